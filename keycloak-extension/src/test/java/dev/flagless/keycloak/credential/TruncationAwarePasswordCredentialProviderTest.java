package dev.flagless.keycloak.credential;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TruncationAwarePasswordCredentialProviderTest {

    @Test
    void countsUtf8BytesNotCharacters() {
        assertFalse(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("a".repeat(72)));
        assertTrue(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("a".repeat(73)));
        // 2-byte and 3-byte characters: 36 x "é" and 24 x "€" are exactly 72 bytes.
        assertFalse(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("é".repeat(36)));
        assertTrue(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("é".repeat(37)));
        assertFalse(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("€".repeat(24)));
        assertTrue(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("€".repeat(24) + "a"));
        // A 4-byte character is two UTF-16 units: 18 of them are 72 bytes in 36 units.
        assertFalse(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("😀".repeat(18)));
        assertTrue(TruncationAwarePasswordCredentialProvider.bcryptIgnoresPartOf("😀".repeat(18) + "a"));
    }
}
