package dev.flagless.keycloak.hash;

import org.keycloak.Config;
import org.keycloak.credential.hash.PasswordHashProvider;
import org.keycloak.credential.hash.PasswordHashProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers one stateless, verify-only password-hash provider under its id. */
abstract class VerifyOnlyPasswordHashProviderFactory implements PasswordHashProviderFactory {

    private final PasswordHashProvider provider;
    private final String id;

    VerifyOnlyPasswordHashProviderFactory(PasswordHashProvider provider, String id) {
        this.provider = provider;
        this.id = id;
    }

    @Override
    public PasswordHashProvider create(KeycloakSession session) {
        return provider;
    }

    @Override
    public void init(Config.Scope config) {
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
    }

    @Override
    public void close() {
    }

    @Override
    public String getId() {
        return id;
    }

    /** 0 keeps this provider out of the running for the realm's default algorithm (Keycloak picks the highest order above 0). */
    @Override
    public int order() {
        return 0;
    }
}
