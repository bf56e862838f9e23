package dev.flagless.keycloak.hash;

/** Registers the verify-only {@code firebase-scrypt} password-hash provider. */
public class FirebaseScryptPasswordHashProviderFactory extends VerifyOnlyPasswordHashProviderFactory {
    public FirebaseScryptPasswordHashProviderFactory() {
        super(new FirebaseScryptPasswordHashProvider(), FirebaseScryptPasswordHashProvider.ID);
    }
}
