package dev.flagless.keycloak.hash;

import org.bouncycastle.crypto.generators.OpenBSDBCrypt;
import org.jboss.logging.Logger;
import org.keycloak.models.credential.PasswordCredentialModel;

/**
 * Verifies bcrypt hashes ($2a$, $2b$, $2y$, $2x$, $2$) as Clerk and Auth0 export them.
 *
 * <p>Stored layout (what flagless imports): credentialData
 * {@code {"hashIterations":<cost>,"algorithm":"bcrypt","additionalParameters":{}}} and secretData
 * {@code {"value":"$2b$10$<22-char salt><31-char hash>","additionalParameters":{}}} (no salt: it lives
 * inside the modular-crypt string). hashIterations is informational only.
 *
 * <p>Passwords longer than 72 UTF-8 bytes are truncated to 72, as every common bcrypt
 * implementation (OpenBSD, node bcrypt) did when the hash was made.
 */
public class BcryptPasswordHashProvider extends VerifyOnlyPasswordHashProvider {

    public static final String ID = "bcrypt";

    private static final Logger logger = Logger.getLogger(BcryptPasswordHashProvider.class);

    @Override
    public boolean verify(String rawPassword, PasswordCredentialModel credential) {
        String stored = credential.getPasswordSecretData().getValue();
        if (rawPassword == null || stored == null || !stored.startsWith("$2")) {
            logger.debug("bcrypt credential has no modular-crypt value");
            return false;
        }
        try {
            return OpenBSDBCrypt.checkPassword(stored, rawPassword.toCharArray());
        } catch (RuntimeException malformed) {
            // The message names the defect (length, version, cost) but never the hash itself.
            logger.warnf("bcrypt credential %s is malformed: %s", credential.getId(), malformed.getClass().getSimpleName());
            return false;
        }
    }

    @Override
    public String credentialHashingStrength(PasswordCredentialModel credential) {
        return "bcrypt-" + credential.getPasswordCredentialData().getHashIterations();
    }

    @Override
    String providerId() {
        return ID;
    }
}
