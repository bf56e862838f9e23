package dev.flagless.keycloak.hash;

import org.keycloak.Config;
import org.keycloak.credential.hash.PasswordHashProvider;
import org.keycloak.credential.hash.PasswordHashProviderFactory;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;

/** Registers the verify-only {@code firebase-scrypt} password-hash provider. */
public class FirebaseScryptPasswordHashProviderFactory implements PasswordHashProviderFactory {

    private static final FirebaseScryptPasswordHashProvider PROVIDER = new FirebaseScryptPasswordHashProvider();

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
        return FirebaseScryptPasswordHashProvider.ID;
    }

    /** 0 keeps this provider out of the running for the realm's default algorithm (Keycloak picks the highest order above 0). */
    @Override
    public int order() {
        return 0;
    }
}
