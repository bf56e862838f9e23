package dev.flagless.keycloak.hash;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import org.bouncycastle.crypto.generators.SCrypt;
import org.jboss.logging.Logger;
import org.keycloak.models.credential.PasswordCredentialModel;

/**
 * Verifies Firebase Authentication's modified scrypt.
 *
 * <p>derived = scrypt(password, salt || saltSeparator, N = 2^memCost, r = rounds, p = 1, dkLen = 32);
 * expected = AES-256-CTR(key = derived, iv = 16 zero bytes).encrypt(signerKey); the password matches
 * when expected equals the stored hash (compared in constant time).
 *
 * <p>Stored layout (what flagless imports; all byte strings standard base64):
 * credentialData {@code {"hashIterations":<rounds>,"algorithm":"firebase-scrypt",
 * "additionalParameters":{"rounds":["8"],"memCost":["14"]}}} and secretData
 * {@code {"value":"<hash>","salt":"<salt>","additionalParameters":{"signerKey":["<key>"],
 * "saltSeparator":["<sep>"]}}}. The signer key is the Firebase project's secret, so it sits in
 * secretData, which the admin API never returns; the provider also accepts any of the four
 * parameters in the other object.
 */
public class FirebaseScryptPasswordHashProvider extends VerifyOnlyPasswordHashProvider {

    public static final String ID = "firebase-scrypt";
    public static final String ROUNDS = "rounds";
    public static final String MEM_COST = "memCost";
    public static final String SIGNER_KEY = "signerKey";
    public static final String SALT_SEPARATOR = "saltSeparator";

    /** Firebase allows rounds 1..8 and memCost 1..14; a little headroom, but bounded memory (128·r·2^m). */
    private static final int MAX_ROUNDS = 16;
    private static final int MAX_MEM_COST = 16;
    private static final int DERIVED_KEY_BYTES = 32;

    private static final Logger logger = Logger.getLogger(FirebaseScryptPasswordHashProvider.class);

    @Override
    public boolean verify(String rawPassword, PasswordCredentialModel credential) {
        if (rawPassword == null) {
            return false;
        }
        try {
            Parameters p = Parameters.of(credential);
            byte[] derived = SCrypt.generate(rawPassword.getBytes(StandardCharsets.UTF_8), p.saltAndSeparator,
                    1 << p.memCost, p.rounds, 1, DERIVED_KEY_BYTES);
            byte[] expected = aes256Ctr(derived, p.signerKey);
            return MessageDigest.isEqual(expected, p.hash);
        } catch (IllegalArgumentException | GeneralSecurityException malformed) {
            // The message names the missing or out-of-range parameter, never a secret value.
            logger.warnf("firebase-scrypt credential %s is malformed: %s", credential.getId(), malformed.getMessage());
            return false;
        }
    }

    static byte[] aes256Ctr(byte[] key, byte[] plaintext) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
        cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(new byte[16]));
        return cipher.doFinal(plaintext);
    }

    @Override
    public String credentialHashingStrength(PasswordCredentialModel credential) {
        String memCost = parameter(credential, MEM_COST);
        String rounds = parameter(credential, ROUNDS);
        return "firebase-scrypt[m=" + memCost + ",r=" + rounds + "]";
    }

    @Override
    String providerId() {
        return ID;
    }

    /** The decoded, range-checked inputs of one verification. */
    private static final class Parameters {
        final byte[] hash;
        final byte[] saltAndSeparator;
        final byte[] signerKey;
        final int rounds;
        final int memCost;

        private Parameters(byte[] hash, byte[] saltAndSeparator, byte[] signerKey, int rounds, int memCost) {
            this.hash = hash;
            this.saltAndSeparator = saltAndSeparator;
            this.signerKey = signerKey;
            this.rounds = rounds;
            this.memCost = memCost;
        }

        static Parameters of(PasswordCredentialModel credential) {
            String value = credential.getPasswordSecretData().getValue();
            byte[] salt = credential.getPasswordSecretData().getSalt();
            String signerKey = parameter(credential, SIGNER_KEY);
            String separator = parameter(credential, SALT_SEPARATOR);
            if (value == null || value.isEmpty()) throw new IllegalArgumentException("missing value");
            if (salt == null) throw new IllegalArgumentException("missing salt");
            if (signerKey == null) throw new IllegalArgumentException("missing " + SIGNER_KEY);
            if (separator == null) throw new IllegalArgumentException("missing " + SALT_SEPARATOR);
            String roundsText = parameter(credential, ROUNDS);
            int rounds = roundsText != null ? parseInt(ROUNDS, roundsText)
                    : credential.getPasswordCredentialData().getHashIterations();
            String memCostText = parameter(credential, MEM_COST);
            if (memCostText == null) throw new IllegalArgumentException("missing " + MEM_COST);
            int memCost = parseInt(MEM_COST, memCostText);
            if (rounds < 1 || rounds > MAX_ROUNDS) throw new IllegalArgumentException(ROUNDS + " out of range 1.." + MAX_ROUNDS);
            if (memCost < 1 || memCost > MAX_MEM_COST) throw new IllegalArgumentException(MEM_COST + " out of range 1.." + MAX_MEM_COST);

            byte[] sep = base64(separator);
            byte[] saltAndSeparator = new byte[salt.length + sep.length];
            System.arraycopy(salt, 0, saltAndSeparator, 0, salt.length);
            System.arraycopy(sep, 0, saltAndSeparator, salt.length, sep.length);
            return new Parameters(base64(value), saltAndSeparator, base64(signerKey), rounds, memCost);
        }

        private static int parseInt(String name, String text) {
            try {
                return Integer.parseInt(text.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " is not an integer");
            }
        }
    }
}
