package dev.flagless.keycloak.credential;

import java.nio.charset.StandardCharsets;

import org.jboss.logging.Logger;
import org.keycloak.credential.CredentialInput;
import org.keycloak.credential.PasswordCredentialProvider;
import org.keycloak.credential.hash.PasswordHashProvider;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserCredentialModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.credential.PasswordCredentialModel;

import dev.flagless.keycloak.hash.BcryptPasswordHashProvider;

/**
 * Keycloak's password credential provider, except for one case: an imported bcrypt credential
 * verified with a typed password longer than 72 UTF-8 bytes is never re-hashed.
 *
 * <p>bcrypt reads only the first 72 bytes, so such a sign-in also succeeds with a password that
 * differs from the real one after byte 72. Keycloak's own provider then re-hashes the typed text
 * with the realm's algorithm (argon2), and from that moment the user's real password is refused: a
 * lock-out. Here the verified bcrypt hash is kept instead (the user stays on bcrypt until the
 * password is changed); every other sign-in goes to Keycloak's provider unchanged, re-hash included.
 */
public class TruncationAwarePasswordCredentialProvider extends PasswordCredentialProvider {

    /** bcrypt's key schedule takes at most 72 bytes of the password. */
    public static final int BCRYPT_MAX_BYTES = 72;

    private static final Logger logger = Logger.getLogger(TruncationAwarePasswordCredentialProvider.class);

    private final PasswordCredentialProvider keycloaks;

    TruncationAwarePasswordCredentialProvider(KeycloakSession session, PasswordCredentialProvider keycloaks) {
        // The inherited methods (create, update, delete...) publish no validation metric; isValid,
        // which does, runs in Keycloak's own instance (with the server's metric settings).
        super(session, null, false, false, false, false, false);
        this.keycloaks = keycloaks;
    }

    @Override
    public boolean isValid(RealmModel realm, UserModel user, CredentialInput input) {
        if (input instanceof UserCredentialModel && input.getChallengeResponse() != null
                && bcryptIgnoresPartOf(input.getChallengeResponse())) {
            PasswordCredentialModel password = getPassword(realm, user);
            if (password != null && BcryptPasswordHashProvider.ID.equals(password.getPasswordCredentialData().getAlgorithm())) {
                PasswordHashProvider bcrypt = session.getProvider(PasswordHashProvider.class, BcryptPasswordHashProvider.ID);
                if (bcrypt == null) {
                    return false;
                }
                boolean valid = bcrypt.verify(input.getChallengeResponse(), password);
                if (valid) {
                    // Neither the password nor the hash: only that the re-hash was skipped, and why.
                    logger.infof("kept the imported bcrypt credential of user %s: the password typed is longer than %d bytes, which bcrypt ignores, so it is not re-hashed",
                            user.getId(), BCRYPT_MAX_BYTES);
                }
                return valid;
            }
        }
        return keycloaks.isValid(realm, user, input);
    }

    static boolean bcryptIgnoresPartOf(String typed) {
        // Cheap bound first: a UTF-8 character takes at most 3 bytes per UTF-16 unit.
        if (typed.length() * 3 <= BCRYPT_MAX_BYTES) {
            return false;
        }
        return typed.getBytes(StandardCharsets.UTF_8).length > BCRYPT_MAX_BYTES;
    }
}
