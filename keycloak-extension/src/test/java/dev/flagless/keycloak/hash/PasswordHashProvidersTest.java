package dev.flagless.keycloak.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.keycloak.credential.CredentialModel;
import org.keycloak.credential.hash.PasswordHashProviderFactory;
import org.keycloak.models.ModelException;
import org.keycloak.models.credential.PasswordCredentialModel;

/**
 * Both providers against known vectors, reading credentials through Keycloak's own
 * JSON deserialisation (PasswordCredentialModel.createFromCredentialModel), exactly as the
 * server does with what flagless imports through the admin API.
 */
class PasswordHashProvidersTest {

    // Firebase's published sample project parameters and a user exported from it.
    private static final String FB_SIGNER_KEY = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
    private static final String FB_SALT_SEPARATOR = "Bw==";
    private static final String FB_SALT = "42xEC+ixf3L2lw==";
    private static final String FB_HASH = "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==";
    private static final String FB_PASSWORD = "user1password";

    private final BcryptPasswordHashProvider bcrypt = new BcryptPasswordHashProvider();
    private final FirebaseScryptPasswordHashProvider firebase = new FirebaseScryptPasswordHashProvider();

    private static PasswordCredentialModel credential(String credentialData, String secretData) {
        CredentialModel model = new CredentialModel();
        model.setType(PasswordCredentialModel.TYPE);
        model.setCredentialData(credentialData);
        model.setSecretData(secretData);
        return PasswordCredentialModel.createFromCredentialModel(model);
    }

    private static PasswordCredentialModel bcryptCredential(String mcf) {
        return credential("{\"hashIterations\":10,\"algorithm\":\"bcrypt\",\"additionalParameters\":{}}",
                "{\"value\":\"" + mcf + "\",\"additionalParameters\":{}}");
    }

    private static PasswordCredentialModel firebaseCredential(String hash, String signerKey) {
        return credential(
                "{\"hashIterations\":8,\"algorithm\":\"firebase-scrypt\",\"additionalParameters\":{\"rounds\":[\"8\"],\"memCost\":[\"14\"]}}",
                "{\"value\":\"" + hash + "\",\"salt\":\"" + FB_SALT + "\",\"additionalParameters\":{\"signerKey\":[\"" + signerKey
                        + "\"],\"saltSeparator\":[\"" + FB_SALT_SEPARATOR + "\"]}}");
    }

    @Test
    void bcryptOpenBsdVector() {
        PasswordCredentialModel c = bcryptCredential("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW");
        assertTrue(bcrypt.verify("U*U", c));
        assertFalse(bcrypt.verify("U*V", c));
    }

    @Test
    void bcrypt2bAnd2yFromNode() {
        // Made with @node-rs/bcrypt hashSync("correct horse battery staple", 4).
        String b = "$2b$04$r5jpamUyHz2WkRIZhQhs2O.ZjK44oNaXftFuVQ7nzPXMlx613l.6K";
        assertTrue(bcrypt.verify("correct horse battery staple", bcryptCredential(b)));
        assertFalse(bcrypt.verify("correct horse battery stapler", bcryptCredential(b)));
        // $2y$ (PHP) is the same algorithm under another name.
        assertTrue(bcrypt.verify("correct horse battery staple", bcryptCredential("$2y$" + b.substring(4))));
    }

    @Test
    void bcryptTruncatesAt72BytesLikeEveryoneElse() {
        // Made with @node-rs/bcrypt hashSync("a" x 72 + "TAIL-IGNORED", 4).
        PasswordCredentialModel c = bcryptCredential("$2b$04$bF4YudANpbGWGU8yOaNizOJkWHdNKxruFQhpb3oB.BGm94uKoHg72");
        assertTrue(bcrypt.verify("a".repeat(72) + "TAIL-IGNORED", c));
        assertTrue(bcrypt.verify("a".repeat(72), c));
        assertFalse(bcrypt.verify("a".repeat(71), c));
    }

    @Test
    void bcryptMalformedIsFalseNotAnError() {
        assertFalse(bcrypt.verify("x", bcryptCredential("$2b$04$tooShort")));
        assertFalse(bcrypt.verify("x", bcryptCredential("not-a-hash")));
    }

    @Test
    void firebaseScryptPublishedVector() {
        PasswordCredentialModel c = firebaseCredential(FB_HASH, FB_SIGNER_KEY);
        assertTrue(firebase.verify(FB_PASSWORD, c));
        assertFalse(firebase.verify(FB_PASSWORD + "x", c));
        assertFalse(firebase.verify("", c));
    }

    @Test
    void firebaseScryptWrongSignerKeyFails() {
        String otherKey = FB_SIGNER_KEY.replace('j', 'k');
        assertFalse(firebase.verify(FB_PASSWORD, firebaseCredential(FB_HASH, otherKey)));
    }

    @Test
    void firebaseScryptParametersMayAllSitInCredentialData() {
        PasswordCredentialModel c = credential(
                "{\"hashIterations\":8,\"algorithm\":\"firebase-scrypt\",\"additionalParameters\":{\"rounds\":[\"8\"],\"memCost\":[\"14\"],"
                        + "\"signerKey\":[\"" + FB_SIGNER_KEY + "\"],\"saltSeparator\":[\"" + FB_SALT_SEPARATOR + "\"]}}",
                "{\"value\":\"" + FB_HASH + "\",\"salt\":\"" + FB_SALT + "\"}");
        assertTrue(firebase.verify(FB_PASSWORD, c));
    }

    @Test
    void firebaseScryptMissingOrHostileParametersAreFalse() {
        PasswordCredentialModel noKey = credential(
                "{\"hashIterations\":8,\"algorithm\":\"firebase-scrypt\",\"additionalParameters\":{\"rounds\":[\"8\"],\"memCost\":[\"14\"]}}",
                "{\"value\":\"" + FB_HASH + "\",\"salt\":\"" + FB_SALT + "\"}");
        assertFalse(firebase.verify(FB_PASSWORD, noKey));
        PasswordCredentialModel hugeMemory = credential(
                "{\"hashIterations\":8,\"algorithm\":\"firebase-scrypt\",\"additionalParameters\":{\"rounds\":[\"8\"],\"memCost\":[\"30\"]}}",
                "{\"value\":\"" + FB_HASH + "\",\"salt\":\"" + FB_SALT + "\",\"additionalParameters\":{\"signerKey\":[\"" + FB_SIGNER_KEY
                        + "\"],\"saltSeparator\":[\"" + FB_SALT_SEPARATOR + "\"]}}");
        assertFalse(firebase.verify(FB_PASSWORD, hugeMemory));
    }

    @Test
    void neverProducesHashesAndNeverCountsAsCurrent() {
        assertThrows(ModelException.class, () -> bcrypt.encodedCredential("pw", -1));
        assertThrows(ModelException.class, () -> firebase.encodedCredential("pw", -1));
        assertThrows(ModelException.class, () -> bcrypt.encode("pw", -1));
        assertFalse(bcrypt.policyCheck(null, bcryptCredential("$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW")));
        assertFalse(firebase.policyCheck(null, firebaseCredential(FB_HASH, FB_SIGNER_KEY)));
    }

    @Test
    void factoriesAreRegisteredAndNeverTheDefault() {
        Set<String> ids = ServiceLoader.load(PasswordHashProviderFactory.class).stream()
                .map(ServiceLoader.Provider::get)
                .filter(f -> f.getClass().getPackageName().equals(getClass().getPackageName()))
                .peek(f -> assertEquals(0, f.order()))
                .map(PasswordHashProviderFactory::getId)
                .collect(Collectors.toSet());
        assertEquals(Set.of("bcrypt", "firebase-scrypt"), ids);
    }
}
