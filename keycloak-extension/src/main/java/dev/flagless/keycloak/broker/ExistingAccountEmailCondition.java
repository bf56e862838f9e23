package dev.flagless.keycloak.broker;

import org.keycloak.authentication.AuthenticationFlowContext;
import org.keycloak.authentication.authenticators.broker.AbstractIdpAuthenticator;
import org.keycloak.authentication.authenticators.broker.util.SerializedBrokeredIdentityContext;
import org.keycloak.authentication.authenticators.conditional.ConditionalAuthenticator;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;

/**
 * A first-broker-login condition on the account "Detect existing broker user" found: it matches when
 * that account has itself verified its email and the identity provider asserts the same address.
 *
 * Why: Keycloak's "Automatically set existing user" (idp-auto-link) links the brokered identity to
 * the account with the same email without looking at that account's emailVerified (keycloak#53041,
 * still so in 26.7), and no stock condition can see it (the user is not in the flow's context yet,
 * and emailVerified is not a user attribute). An IdP asserting the address of an account whose owner
 * never proved it would otherwise take that account over.
 *
 * Fails closed: no detected account, no brokered context or no email on either side never matches
 * the "verified" condition. The "unverified" variant is its exact negation, so exactly one of two
 * conditional sub-flows runs.
 */
public class ExistingAccountEmailCondition implements ConditionalAuthenticator {
    private final boolean wantVerified;

    public ExistingAccountEmailCondition(boolean wantVerified) {
        this.wantVerified = wantVerified;
    }

    static boolean verifiedAndSame(AuthenticationFlowContext context) {
        AuthenticationSessionModel authSession = context.getAuthenticationSession();
        if (authSession == null || authSession.getAuthNote(AbstractIdpAuthenticator.EXISTING_USER_INFO) == null) return false;
        SerializedBrokeredIdentityContext brokered = SerializedBrokeredIdentityContext.readFromAuthenticationSession(authSession, AbstractIdpAuthenticator.BROKERED_CONTEXT_NOTE);
        UserModel existing = AbstractIdpAuthenticator.getExistingUser(context.getSession(), context.getRealm(), authSession);
        if (brokered == null || existing == null) return false;
        String have = existing.getEmail();
        String asserted = brokered.getEmail();
        return existing.isEmailVerified() && have != null && asserted != null && have.equalsIgnoreCase(asserted);
    }

    @Override
    public boolean matchCondition(AuthenticationFlowContext context) {
        return verifiedAndSame(context) == wantVerified;
    }

    @Override
    public void action(AuthenticationFlowContext context) {
        // a condition has no form
    }

    @Override
    public boolean requiresUser() {
        return false;
    }

    @Override
    public void setRequiredActions(KeycloakSession session, RealmModel realm, UserModel user) {
        // none
    }

    @Override
    public void close() {
        // stateless
    }
}
