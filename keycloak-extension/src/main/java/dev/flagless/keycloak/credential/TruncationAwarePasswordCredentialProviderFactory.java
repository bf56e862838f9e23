package dev.flagless.keycloak.credential;

import org.keycloak.credential.PasswordCredentialProvider;
import org.keycloak.credential.PasswordCredentialProviderFactory;
import org.keycloak.models.KeycloakSession;

/**
 * Replaces Keycloak's "keycloak-password" credential provider factory: same id, higher order
 * (Keycloak's ProviderManager keeps the factory with the higher order when two share an id), and
 * the same configuration, since it extends Keycloak's factory. Each provider it creates wraps the
 * one Keycloak's factory creates.
 */
public class TruncationAwarePasswordCredentialProviderFactory extends PasswordCredentialProviderFactory {

    @Override
    public PasswordCredentialProvider create(KeycloakSession session) {
        return new TruncationAwarePasswordCredentialProvider(session, super.create(session));
    }

    @Override
    public int order() {
        return 1;
    }
}
