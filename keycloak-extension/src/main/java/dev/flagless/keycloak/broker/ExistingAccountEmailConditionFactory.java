package dev.flagless.keycloak.broker;

import java.util.List;
import org.keycloak.Config;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticatorFactory;
import org.keycloak.models.AuthenticationExecutionModel;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * Registers the two conditions of {@link ExistingAccountEmailCondition}: one matches when the
 * detected account's email is verified and equals the asserted one, the other exactly when it does
 * not. Two ids rather than a "negate" option, so a flow needs no authenticator config to be safe.
 * Ids are at most 36 characters: Keycloak stores an execution's authenticator in a VARCHAR(36).
 */
public abstract class ExistingAccountEmailConditionFactory implements ConditionalAuthenticatorFactory {
    private static final AuthenticationExecutionModel.Requirement[] CHOICES = {
        AuthenticationExecutionModel.Requirement.REQUIRED, AuthenticationExecutionModel.Requirement.DISABLED,
    };

    private final String id;
    private final String display;
    private final String help;
    private final ExistingAccountEmailCondition singleton;

    protected ExistingAccountEmailConditionFactory(String id, boolean wantVerified, String display, String help) {
        this.id = id;
        this.display = display;
        this.help = help;
        this.singleton = new ExistingAccountEmailCondition(wantVerified);
    }

    /** Matches when the existing account verified its email and the IdP asserts the same one. */
    public static class Verified extends ExistingAccountEmailConditionFactory {
        public static final String ID = "flagless-cond-email-verified";

        public Verified() {
            super(ID, true, "Condition - existing account's email verified (flagless)",
                "Matches when the account found by 'Detect existing broker user' has a verified email equal to the one the identity provider asserts.");
        }
    }

    /** The exact negation of {@link Verified}. */
    public static class Unverified extends ExistingAccountEmailConditionFactory {
        public static final String ID = "flagless-cond-email-unverified";

        public Unverified() {
            super(ID, false, "Condition - existing account's email not verified (flagless)",
                "Matches when the account found by 'Detect existing broker user' has not verified its email, or it differs from the asserted one.");
        }
    }

    @Override
    public ConditionalAuthenticator getSingleton() {
        return singleton;
    }

    @Override
    public String getId() {
        return id;
    }

    @Override
    public String getDisplayType() {
        return display;
    }

    @Override
    public String getHelpText() {
        return help;
    }

    @Override
    public boolean isConfigurable() {
        return false;
    }

    @Override
    public AuthenticationExecutionModel.Requirement[] getRequirementChoices() {
        return CHOICES;
    }

    @Override
    public boolean isUserSetupAllowed() {
        return false;
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return List.of();
    }

    @Override
    public void init(Config.Scope config) {
        // nothing to read
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        // nothing to wire
    }

    @Override
    public void close() {
        // stateless
    }
}
