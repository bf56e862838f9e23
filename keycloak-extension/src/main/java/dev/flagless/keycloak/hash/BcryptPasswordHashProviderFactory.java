package dev.flagless.keycloak.hash;

/** Registers the verify-only {@code bcrypt} password-hash provider. */
public class BcryptPasswordHashProviderFactory extends VerifyOnlyPasswordHashProviderFactory {
    public BcryptPasswordHashProviderFactory() {
        super(new BcryptPasswordHashProvider(), BcryptPasswordHashProvider.ID);
    }
}
