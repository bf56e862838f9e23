package dev.flagless.keycloak.hash;

import org.keycloak.Config;
import org.keycloak.credential.hash.PasswordHashProvider;
import org.keycloak.credential.hash.PasswordHashProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers the verify-only {@code bcrypt} password-hash provider. */
public class BcryptPasswordHashProviderFactory implements PasswordHashProviderFactory {

    private static final BcryptPasswordHashProvider PROVIDER = new BcryptPasswordHashProvider();

    @Override
    public PasswordHashProvider create(KeycloakSession session) {
        return PROVIDER;
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
        return BcryptPasswordHashProvider.ID;
    }

    /** 0 keeps this provider out of the running for the realm's default algorithm (Keycloak picks the highest order above 0). */
    @Override
    public int order() {
        return 0;
    }
}
