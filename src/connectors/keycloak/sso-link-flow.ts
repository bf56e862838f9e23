/**
 * The first-broker-login flow `flagless sso setup --to keycloak` gives every identity provider:
 *
 *   flagless-link-existing-user
 *     Detect existing broker user (idp-detect-existing-broker-user)            REQUIRED
 *     flagless-link-verified-email                                              CONDITIONAL
 *       Condition - existing account's email verified (flagless extension)     REQUIRED
 *       Automatically set existing user (idp-auto-link)                        REQUIRED
 *     flagless-link-unverified-email                                            CONDITIONAL
 *       Condition - existing account's email not verified (flagless extension) REQUIRED
 *       Verify existing account by Email (idp-email-verification)              REQUIRED
 *
 * Why: Keycloak's idp-auto-link links to the account with the asserted email without checking that
 * the account itself verified it (keycloak#53041; no stock condition can see emailVerified), so an
 * IdP asserting the address of an unverified account would take it over. Only an account whose
 * verified email equals the asserted one is linked silently; any other is linked only after its
 * owner follows the link Keycloak mails to the account's address (with no SMTP configured in the
 * realm that step cannot succeed and the login fails: never a silent link). A first login never
 * creates an account: every user was migrated first.
 *
 * Idempotent: a step that exists with the right requirement is left alone; the flow of earlier
 * versions (idp-auto-link directly under the top flow) is repaired by removing that step.
 */
import { FlaglessError } from '../../protocol/errors.js';
import type { SsoSetupAction } from '../../protocol/sso-setup.js';
import type { KeycloakConnection } from './admin-client.js';

export const LINK_FLOW = 'flagless-link-existing-user';
export const CONDITION_VERIFIED = 'flagless-cond-email-verified';
export const CONDITION_UNVERIFIED = 'flagless-cond-email-unverified';

type Requirement = 'REQUIRED' | 'CONDITIONAL';
export type FlowStep = { provider: string; requirement: Requirement } | { flow: string; requirement: Requirement; description: string; steps: FlowStep[] };

export const LINK_STEPS: FlowStep[] = [
  { provider: 'idp-detect-existing-broker-user', requirement: 'REQUIRED' },
  {
    flow: 'flagless-link-verified-email',
    requirement: 'CONDITIONAL',
    description: 'flagless: link silently only to an account whose verified email is the asserted one',
    steps: [
      { provider: CONDITION_VERIFIED, requirement: 'REQUIRED' },
      { provider: 'idp-auto-link', requirement: 'REQUIRED' },
    ],
  },
  {
    flow: 'flagless-link-unverified-email',
    requirement: 'CONDITIONAL',
    description: 'flagless: an account that never verified the asserted email is linked only after email verification',
    steps: [
      { provider: CONDITION_UNVERIFIED, requirement: 'REQUIRED' },
      { provider: 'idp-email-verification', requirement: 'REQUIRED' },
    ],
  },
];

/** Every authenticator the flow uses (stock ones and the flagless extension's conditions). */
export function linkAuthenticators(steps: FlowStep[] = LINK_STEPS): string[] {
  return steps.flatMap((s) => ('provider' in s ? [s.provider] : linkAuthenticators(s.steps)));
}

const stepName = (s: FlowStep) => ('provider' in s ? s.provider : s.flow);

async function ensureSteps(conn: KeycloakConnection, realm: string, flow: string, steps: FlowStep[], dryRun: boolean, actions: SsoSetupAction[]): Promise<void> {
  const admin = conn.admin.authenticationManagement;
  const level0 = async () => (await admin.getExecutions({ realm, flow })).filter((e) => (e.level ?? 0) === 0);
  const matches = (e: { providerId?: string; displayName?: string; authenticationFlow?: boolean }, s: FlowStep) =>
    'provider' in s ? !e.authenticationFlow && e.providerId === s.provider : !!e.authenticationFlow && e.displayName === s.flow;
  let have = await level0();
  // A step that is not part of the flow any more (idp-auto-link at the top, before the emailVerified check) goes.
  for (const e of have) {
    if (steps.some((s) => matches(e, s))) continue;
    if (!dryRun) await admin.delExecution({ realm, id: e.id! });
    actions.push({ connection: '*', what: `flow-step:${e.providerId ?? e.displayName}`, action: dryRun ? 'would-update' : 'updated', detail: `removed from ${flow}` });
  }
  for (const s of steps) {
    if (have.some((e) => matches(e, s))) continue;
    if (dryRun) {
      actions.push({ connection: '*', what: `flow-step:${stepName(s)}`, action: 'would-create' });
      continue;
    }
    if ('provider' in s) await admin.addExecutionToFlow({ realm, flow, provider: s.provider });
    else await admin.addFlowToFlow({ realm, flow, alias: s.flow, type: 'basic-flow', provider: 'registration-page-form', description: s.description });
    actions.push({ connection: '*', what: `flow-step:${stepName(s)}`, action: 'created' });
  }
  if (dryRun && have.length === 0) return;
  have = await level0();
  for (const s of steps) {
    const e = have.find((x) => matches(x, s));
    if (!e) continue; // dry run
    if (e.requirement !== s.requirement) {
      if (!dryRun) await admin.updateExecution({ realm, flow }, { ...e, requirement: s.requirement });
      actions.push({ connection: '*', what: `flow-step:${stepName(s)}`, action: dryRun ? 'would-update' : 'updated', detail: s.requirement });
    }
    if (!('provider' in s)) await ensureSteps(conn, realm, s.flow, s.steps, dryRun, actions);
  }
  // Order matters (detect first, then the conditional sub-flows): new steps are appended, so only a
  // hand-edited flow can be out of order; say so rather than guess how to move it.
  const order = (await level0()).filter((e) => steps.some((s) => matches(e, s))).map((e) => steps.findIndex((s) => matches(e, s)));
  if (!dryRun && order.some((v, i) => i > 0 && v < order[i - 1]!)) {
    throw new FlaglessError('E_USAGE', `the steps of the Keycloak flow ${flow} are out of order (expected ${steps.map(stepName).join(' → ')}); delete the flow and run setup again.`);
  }
}

/** Creates or repairs the linking flow; refuses before writing when the flagless extension is missing. */
export async function ensureLinkFlow(conn: KeycloakConnection, realm: string, dryRun: boolean, actions: SsoSetupAction[]): Promise<void> {
  const admin = conn.admin.authenticationManagement;
  const providers = new Set((await admin.getAuthenticatorProviders({ realm } as never)).map((p) => p.id));
  const missing = linkAuthenticators().filter((id) => !providers.has(id));
  if (missing.length) {
    throw new FlaglessError(
      'E_USAGE',
      `this Keycloak lacks the authenticators ${missing.join(', ')}: deploy flagless's Keycloak extension (keycloak-extension/, built and copied to providers/ by \`node scripts/keycloak.mjs prepare\`) and restart it. Without them an identity provider would link to accounts whose email was never verified.`,
    );
  }
  const flows = await admin.getFlows({ realm });
  if (!flows.some((f) => f.alias === LINK_FLOW)) {
    if (dryRun) {
      actions.push({ connection: '*', what: 'flow', action: 'would-create', detail: `${LINK_FLOW}: ${linkAuthenticators().join(' → ')}` });
      return;
    }
    await admin.createFlow({ realm, alias: LINK_FLOW, providerId: 'basic-flow', topLevel: true, builtIn: false, description: 'flagless: link a first IdP login to the migrated account with the same verified email' });
    actions.push({ connection: '*', what: 'flow', action: 'created', detail: LINK_FLOW });
  } else actions.push({ connection: '*', what: 'flow', action: 'unchanged', detail: LINK_FLOW });
  await ensureSteps(conn, realm, LINK_FLOW, LINK_STEPS, dryRun, actions);
}
