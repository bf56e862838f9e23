package dev.flagless.keycloak.hash;

import java.util.Base64;
import java.util.List;

import org.keycloak.credential.hash.PasswordHashProvider;
import org.keycloak.models.ModelException;
import org.keycloak.models.PasswordPolicy;
import org.keycloak.models.credential.PasswordCredentialModel;

/**
 * A password-hash provider that only verifies hashes imported from another identity provider.
 *
 * <p>It never produces new hashes: after a successful sign-in Keycloak's PasswordCredentialProvider
 * asks the realm's policy algorithm (argon2 by default, never one of these: their factories keep
 * order 0, so Keycloak cannot pick them as the default) whether the stored credential is current,
 * and re-hashes the password with that algorithm when it is not. If an administrator nevertheless
 * names one of these ids as the realm's hash algorithm, setting a password fails with a clear
 * message instead of storing something unexpected.
 */
abstract class VerifyOnlyPasswordHashProvider implements PasswordHashProvider {

    /** Never "current": a credential of this kind is always replaced by the realm's algorithm. */
    @Override
    public boolean policyCheck(PasswordPolicy policy, PasswordCredentialModel credential) {
        return false;
    }

    @Override
    public PasswordCredentialModel encodedCredential(String rawPassword, int iterations) {
        throw new ModelException(unsupportedMessage());
    }

    /** The interface's deprecated default returns the raw password: never let that happen. */
    @Override
    @Deprecated
    public String encode(String rawPassword, int iterations) {
        throw new ModelException(unsupportedMessage());
    }

    @Override
    public void close() {
    }

    abstract String providerId();

    private String unsupportedMessage() {
        return "Password hash provider '" + providerId() + "' only verifies imported passwords; "
                + "set the realm's password policy hash algorithm to argon2 or pbkdf2-sha512";
    }

    /**
     * The first value of an algorithm parameter, looked up in secretData first (where secret
     * parameters such as a signer key belong) and then in credentialData.
     */
    static String parameter(PasswordCredentialModel credential, String name) {
        String fromSecret = first(credential.getPasswordSecretData().getAdditionalParameters().get(name));
        if (fromSecret != null) {
            return fromSecret;
        }
        return first(credential.getPasswordCredentialData().getAdditionalParameters().get(name));
    }

    static byte[] base64(String value) {
        // The MIME decoder is what Keycloak itself uses for salts and tolerates line breaks;
        // URL-safe input is mapped to the standard alphabet first because the MIME decoder would
        // silently drop '-' and '_'.
        return Base64.getMimeDecoder().decode(value.replace('-', '+').replace('_', '/'));
    }

    private static String first(List<String> values) {
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
