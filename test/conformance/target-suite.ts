/**
 * The one conformance suite every target connector passes (WorkOS, Better Auth, Keycloak, the
 * engine's fake, and the next one). A connector's test file opens a fresh, empty target and says
 * how to make its backend fail; the suite does the rest:
 *   import { runTargetConformance } from './target-suite.js';
 *   runTargetConformance({ name: 'acme', capabilities: target.capabilities, open: async () => ({ target: await target.open({...}), faults: {...}, close }) });
 * An HTTP target puts `startHttpFaultProxy` (test/helpers/fault-proxy.ts) in front of its server and
 * passes `faults: httpProxyFaults(proxy)`; see target-workos.test.ts and test/keycloak/conformance.test.ts.
 *
 * What it demands, all through the `Target` interface (the engine's only view of a target):
 * - create; look up by external id (= source id) and by email, case-insensitively; unknown → undefined;
 * - re-creating a user never makes a second account (a conflict the engine can settle, or the same ref);
 * - organizations and memberships with roles, idempotent (`exists` on a repeat, `updated` on new roles);
 * - metadata within the declared limits kept, over them dropped with a lossy note (plan or target), never refused;
 * - every declared hash algorithm signs in with the right password and not with a wrong one;
 * - declared capabilities match behaviour, and an undeclared capability is asserted absent;
 * - 429 and 5xx (or a database gone) surface as FlaglessError with the engine's class;
 * - a target declaring `batchSize > 1` has one bulk create (all or nothing, or per item): a batch with one bad
 *   record quarantines that record and commits the rest (as created; per item, without sending anyone again).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it as nodeIt } from 'node:test';
import { planUser, type UserPlan } from '../../src/engine/plan.js';
import { migrate } from '../../src/engine/run.js';
import { normalizeEmail } from '../../src/model/email.js';
import { hashPassword, type HashParams } from '../../src/model/password/index.js';
import { HASH_ALGORITHMS, type HashAlgorithm } from '../../src/model/password/types.js';
import { secret } from '../../src/model/secret.js';
import { emptyUser, type CanonicalUser, type MfaKind, type Organization } from '../../src/model/user.js';
import type { TargetCapabilities } from '../../src/protocol/capabilities.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { Source, SourceItem } from '../../src/protocol/source.js';
import type { Target, TargetUserRef, TargetUserView } from '../../src/protocol/target.js';
import { openStateStore } from '../../src/state/ledger/open.js';

export type TargetFault = 'rate-limited' | 'unavailable';

/** The Retry-After (seconds) a `rate-limited` fault must answer with; the suite checks it comes through. */
export const FAULT_RETRY_AFTER_SECONDS = 7;

export interface OpenedTarget {
  target: Target;
  /**
   * Makes the target's backend refuse every request, before applying anything, until the returned
   * function is called: `rate-limited` = HTTP 429 with `Retry-After: 7`; `unavailable` = HTTP 503,
   * or the database gone (locked, connections dropped). Leave out a kind the transport cannot
   * produce (a database has no 429): the suite then asserts the target declares no rate limit.
   */
  faults: Partial<Record<TargetFault, () => Promise<() => Promise<void>>>>;
  /**
   * What `getUser` cannot show, read from the target itself. Required when the target declares
   * TOTP secrets or SMS factors (the suite fails without it rather than skip the check).
   */
  inspect?: { factors?(ref: TargetUserRef): Promise<MfaKind[]> };
  close(): Promise<void>;
}

export interface TargetConformanceSubject {
  /** A label for the suite's name (`better-auth (sqlite)`). */
  name: string;
  /** What the connector declares (`TargetConnector.capabilities`): the suite holds the target to it. */
  capabilities: TargetCapabilities;
  /** Opens a fresh, empty target (a new realm, database, simulator). Called once per suite. */
  open(): Promise<OpenedTarget>;
  /**
   * Cases this connector is known to fail, by the start of the case's name, each with why (an open
   * issue): they still run and are reported as TODO with the reason, so the gap is listed on every
   * run and a case that starts passing shows; they do not turn the suite red meanwhile.
   */
  knownGaps?: Record<string, string>;
}

/** Firebase's documented sample hash config, for the algorithm that needs a project key. */
const FIREBASE_PARAMS: HashParams = {
  signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==',
  saltSeparator: 'Bw==',
  rounds: 8,
  memCost: 14,
};

function person(sourceId: string, email: string | undefined, extra: Partial<CanonicalUser> = {}): CanonicalUser {
  const u = emptyUser(sourceId);
  if (email) u.emails = [{ address: email, normalized: normalizeEmail(email), verified: true, primary: true }];
  u.firstName = 'Ada';
  u.lastName = 'Conformance';
  return { ...u, ...extra };
}

async function rejection(p: Promise<unknown>, what: string): Promise<FlaglessError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof FlaglessError, `${what}: a FlaglessError, not ${String(e)}`);
    return e;
  }
  assert.fail(`${what}: expected a refusal`);
}

/** Metadata values as the target gives them back: targets that keep strings only stringify. */
function sameValue(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(actual) && actual.length === 1 && !Array.isArray(expected)) return sameValue(actual[0], expected);
  if (actual === expected) return true;
  const text = typeof expected === 'string' ? expected : JSON.stringify(expected);
  return actual === text || JSON.stringify(actual) === JSON.stringify(expected);
}

/** The view's metadata for one kind: nested under public/private, or one merged bag. */
function metadataOf(view: TargetUserView, caps: TargetCapabilities, kind: 'public' | 'private'): Record<string, unknown> {
  const m = view.metadata ?? {};
  if (caps.metadata === 'public-private') return (m[kind] as Record<string, unknown> | undefined) ?? {};
  return m;
}

async function allUsers(t: Target): Promise<TargetUserView[]> {
  const out: TargetUserView[] = [];
  for await (const u of t.listUsers()) out.push(u);
  return out;
}

function memorySource(users: CanonicalUser[]): Source {
  return {
    vendor: 'clerk',
    async *read(): AsyncIterable<SourceItem> {
      for (const user of users) yield { type: 'user', user };
    },
  };
}

export function runTargetConformance(subject: TargetConformanceSubject): void {
  const caps = subject.capabilities;
  const gaps = Object.entries(subject.knownGaps ?? {});
  const it = (name: string, fn: () => Promise<void> | void) => {
    const gap = gaps.find(([prefix]) => name.startsWith(prefix));
    return gap ? nodeIt(name, { todo: `known gap: ${gap[1]}` }, fn) : nodeIt(name, fn);
  };
  describe(`target conformance: ${subject.name}`, { timeout: 10 * 60_000 }, () => {
    let opened: OpenedTarget;
    let t: Target;
    let seq = 0;
    /** A source id (and email local part) unique in this target. */
    const id = (label: string) => `conf-${label}-${++seq}`;
    const plan = (user: CanonicalUser, missingPassword: 'jit' | 'reset' = 'jit'): UserPlan =>
      planUser(user, caps, { missingPassword, ...(t.lossyNotes ? { targetNotes: (u, o) => t.lossyNotes!(u, o) } : {}) });
    /** Plans the user as the engine does and creates what the plan says. */
    const create = async (user: CanonicalUser): Promise<{ ref: TargetUserRef; plan: UserPlan }> => {
      const p = plan(user);
      assert.equal(p.action, 'create', `${user.sourceId}: planned for creation (${p.skipReason ?? ''})`);
      return { ref: await t.createUser(p.user, p.createOptions), plan: p };
    };
    const view = async (ref: TargetUserRef): Promise<TargetUserView> => {
      const v = await t.getUser(ref);
      assert.ok(v, `user ${ref.id} reads back`);
      return v;
    };

    before(async () => {
      opened = await subject.open();
      t = opened.target;
    });
    after(async () => {
      await opened?.close();
    });

    it('declares capabilities the engine can act on, and the target it opens holds them', () => {
      assert.deepEqual(t.capabilities, caps);
      assert.ok(caps.name.length > 0 && caps.displayName.length > 0);
      for (const alg of [...caps.nativeHashes, ...caps.extensionHashes]) assert.ok(HASH_ALGORITHMS.includes(alg), `${alg} is a known algorithm`);
      assert.deepEqual(caps.nativeHashes.filter((a) => caps.extensionHashes.includes(a)), [], 'an algorithm is native or needs the extension, not both');
      assert.ok(Number.isInteger(caps.batchSize) && caps.batchSize >= 1, 'batchSize is a positive integer');
      const bulk = [t.createUsers, t.createUsersEach].filter((f) => typeof f === 'function').length;
      assert.ok(bulk <= 1, 'at most one bulk create: all or nothing (createUsers) or per item (createUsersEach)');
      assert.equal(bulk === 1, caps.batchSize > 1, 'a bulk create exists exactly when batchSize > 1');
      if (caps.metadata === 'none') assert.equal(caps.metadataMaxBytes, undefined, 'no metadata, no metadata limit');
      if (caps.membershipsWithUsers) assert.ok(typeof t.createUsers === 'function' && caps.organizations, 'memberships go with a bulk create, into organizations');
      for (const limit of [caps.rateLimitPerSecond, caps.readRateLimitPerSecond]) if (limit !== undefined) assert.ok(limit > 0);
    });

    it('creates a user and finds it by external id and by email (case-insensitively); an unknown one is undefined', async () => {
      const sourceId = id('ada');
      const email = `${sourceId}@Example.COM`;
      const { ref } = await create(person(sourceId, email));
      assert.ok(ref.id, 'the ref carries the target id');
      assert.equal((await t.findUser({ externalId: sourceId }))?.id, ref.id, 'found by external id');
      assert.equal((await t.findUser({ externalId: id('nobody'), email: email.toUpperCase() }))?.id, ref.id, 'found by email');
      assert.equal(await t.findUser({ externalId: id('nobody'), email: `${id('nobody')}@example.com` }), undefined);
      const v = await view(ref);
      assert.equal(v.id, ref.id);
      assert.equal(normalizeEmail(v.email ?? ''), normalizeEmail(email));
      if (v.displayName === undefined) assert.deepEqual([v.firstName, v.lastName], ['Ada', 'Conformance']);
      else assert.match(v.displayName, /Ada/);
      assert.ok((await allUsers(t)).some((u) => u.id === ref.id), 'listUsers streams it');
    });

    it('re-creating a user never makes a second account; another record with its email is a conflict', async () => {
      const sourceId = id('again');
      const email = `${sourceId}@example.com`;
      const { ref, plan: p } = await create(person(sourceId, email));
      try {
        const again = await t.createUser(p.user, p.createOptions);
        assert.equal(again.id, ref.id, 'a repeated create answers with the same account');
      } catch (e) {
        assert.ok(e instanceof FlaglessError, String(e));
        assert.equal(e.code, 'E_TARGET_CONFLICT');
        assert.equal(e.errorClass, 'skippable', 'the engine settles a conflict per record, it does not stop the run');
      }
      const other = plan(person(id('other'), email.toUpperCase()));
      const conflict = await rejection(t.createUser(other.user, other.createOptions), 'a second record with the same email');
      assert.equal(conflict.code, 'E_TARGET_CONFLICT');
      assert.equal(conflict.errorClass, 'skippable');
      const holders = (await allUsers(t)).filter((u) => normalizeEmail(u.email ?? '') === normalizeEmail(email));
      assert.equal(holders.length, 1, 'exactly one account holds the email');
      assert.equal((await t.updateUser(ref, p.user, p.createOptions)).id, ref.id, 'an update keeps the account');
    });

    it(`organizations and memberships with roles (organizations: ${caps.organizations}, roles: ${caps.roles})`, async () => {
      const org: Organization = { sourceId: id('org'), name: `Conformance Org ${seq}`, slug: `conformance-org-${seq}`, metadata: {} };
      if (!caps.organizations) {
        await rejection(t.createOrganization(org), 'a target without organizations refuses one');
        return;
      }
      const oref = await t.createOrganization(org);
      assert.equal((await t.findOrganization({ externalId: org.sourceId, name: org.name }))?.id, oref.id, 'found by external id');
      assert.equal(await t.findOrganization({ externalId: id('no-org'), name: `No Such Org ${seq}` }), undefined);
      const { ref } = await create(person(id('member'), `${id('member')}@example.com`));
      assert.equal(await t.ensureMembership(ref, oref, ['member']), 'created');
      assert.equal(await t.ensureMembership(ref, oref, ['member']), 'exists', 'a repeat is idempotent');
      const roleName = (r: string) => t.roleName?.(r) ?? r;
      if (caps.roles) {
        assert.equal(await t.ensureMembership(ref, oref, ['admin']), 'updated', 'new roles update the membership');
        assert.equal(await t.ensureMembership(ref, oref, ['admin']), 'exists');
      }
      const m = (await view(ref)).memberships.find((x) => x.organizationId === oref.id);
      assert.ok(m, 'the view lists the membership');
      if (caps.roles) assert.deepEqual(m.roles, [roleName('admin')]);
      else assert.deepEqual(m.roles, [], 'a target without roles shows none');
    });

    it(`memberships written with new users (membershipsWithUsers: ${Boolean(caps.membershipsWithUsers)})`, async () => {
      if (!caps.membershipsWithUsers) return;
      const oref = await t.createOrganization({ sourceId: id('with-org'), name: `With Users Org ${seq}`, slug: `with-users-org-${seq}`, metadata: {} });
      const a = plan(person(id('with-a'), `${id('with-a')}@example.com`));
      const b = plan(person(id('with-b'), `${id('with-b')}@example.com`));
      const refs = await t.createUsers!([
        { user: a.user, options: a.createOptions, memberships: [{ org: oref, roles: ['admin'] }] },
        { user: b.user, options: b.createOptions },
      ]);
      const roleName = (r: string) => t.roleName?.(r) ?? r;
      const ma = (await view(refs[0]!)).memberships.filter((x) => x.organizationId === oref.id);
      assert.equal(ma.length, 1, 'the membership was written with its user');
      if (caps.roles) assert.deepEqual(ma[0]!.roles, [roleName('admin')]);
      assert.deepEqual((await view(refs[1]!)).memberships, [], 'a user given none has none');
      assert.equal(await t.ensureMembership(refs[0]!, oref, caps.roles ? ['admin'] : []), 'exists', 'ensuring it again finds it');
    });

    it(`sync: deletes users (deletesUsers: ${Boolean(caps.deletesUsers)}), removes memberships (removesMemberships: ${Boolean(caps.removesMemberships)}), disables users (${caps.disabledUsers})`, async () => {
      assert.equal(typeof t.deleteUser === 'function', Boolean(caps.deletesUsers), 'deleteUser exists exactly when deletesUsers');
      assert.equal(typeof t.removeMembership === 'function', Boolean(caps.removesMemberships), 'removeMembership exists exactly when removesMemberships');
      if (t.setUserDisabled) assert.ok(caps.disabledUsers, 'setUserDisabled only on a target that declares disabledUsers');
      if (caps.removesMemberships) {
        assert.ok(caps.organizations, 'memberships are removed only where there are organizations');
        const org: Organization = { sourceId: id('sync-org'), name: `Sync Org ${seq}`, slug: `sync-org-${seq}`, metadata: {} };
        const oref = await t.createOrganization(org);
        const { ref } = await create(person(id('leaver'), `${id('leaver')}@example.com`));
        await t.ensureMembership(ref, oref, ['member']);
        assert.equal(await t.removeMembership!(ref, oref), 'removed');
        assert.equal(await t.removeMembership!(ref, oref), 'absent', 'a repeat is idempotent');
        assert.equal((await view(ref)).memberships.some((m) => m.organizationId === oref.id), false, 'the view no longer lists it');
      }
      if (t.setUserDisabled) {
        const { ref } = await create(person(id('disabled-by-sync'), `${id('disabled-by-sync')}@example.com`));
        await t.setUserDisabled(ref, true);
        assert.equal((await view(ref)).disabled, true, 'disabled');
        await t.setUserDisabled(ref, true);
        await t.setUserDisabled(ref, false);
        assert.equal((await view(ref)).disabled, false, 'enabled again');
      }
      if (caps.deletesUsers) {
        const email = `${id('deleted')}@example.com`;
        const sourceId = id('deleted');
        const { ref } = await create(person(sourceId, email));
        if (caps.organizations) {
          const oref = await t.createOrganization({ sourceId: id('del-org'), name: `Del Org ${seq}`, slug: `del-org-${seq}`, metadata: {} });
          await t.ensureMembership(ref, oref, ['member']);
        }
        assert.equal(await t.deleteUser!(ref), 'deleted');
        assert.equal(await t.getUser(ref), undefined, 'gone');
        assert.equal(await t.findUser({ externalId: sourceId, email }), undefined, 'found neither by id nor by email');
        assert.equal(await t.deleteUser!(ref), 'absent', 'a repeat is idempotent');
        // The address is free again: a new account may take it.
        await create(person(id('reuses'), email));
      }
    });

    it(`sync: updates organizations (updatesOrganizations: ${Boolean(caps.updatesOrganizations)}), deletes organizations (deletesOrganizations: ${Boolean(caps.deletesOrganizations)})`, async () => {
      assert.equal(typeof t.updateOrganization === 'function', Boolean(caps.updatesOrganizations), 'updateOrganization exists exactly when updatesOrganizations');
      assert.equal(typeof t.deleteOrganization === 'function', Boolean(caps.deletesOrganizations), 'deleteOrganization exists exactly when deletesOrganizations');
      if (caps.updatesOrganizations || caps.deletesOrganizations) assert.ok(caps.organizations, 'organizations are updated or deleted only where there are organizations');
      if (caps.updatesOrganizations) {
        const n = seq + 1;
        const org: Organization = { sourceId: id('renamed-org'), name: `Before Rename ${n}`, slug: `before-rename-${n}`, metadata: { tier: 'gold' } };
        const oref = await t.createOrganization(org);
        const { ref } = await create(person(id('stays'), `${id('stays')}@example.com`));
        await t.ensureMembership(ref, oref, ['member']);
        const renamed: Organization = { ...org, name: `After Rename ${n}`, slug: `after-rename-${n}`, metadata: { tier: 'platinum' } };
        const updated = await t.updateOrganization!(oref, renamed);
        assert.equal(updated.id, oref.id, 'the same organization, renamed');
        assert.equal(updated.name, renamed.name);
        const found = await t.findOrganization({ externalId: org.sourceId, name: '' });
        assert.deepEqual([found?.id, found?.name], [oref.id, renamed.name], 'found by external id under its new name');
        assert.equal(await t.findOrganization({ externalId: id('no-org'), name: org.name }), undefined, 'the old name finds nothing');
        const writes = t.stats.writes;
        assert.equal((await t.updateOrganization!(oref, renamed)).id, oref.id);
        assert.equal(t.stats.writes, writes, 'an organization already equal is not written again');
        assert.ok((await view(ref)).memberships.some((m) => m.organizationId === oref.id), 'its members stay members');
        // A name another organization holds: the rename goes through (disambiguated where names are unique), the other is untouched.
        const holder = id('name-holder');
        const other = await t.createOrganization({ sourceId: holder, name: `Name Holder ${n}`, slug: `name-holder-${n}`, metadata: {} });
        const names = (o: Organization) => t.organizationNames?.(o) ?? [o.name];
        assert.ok(names(org).includes(oref.name), `the name it was created under (${oref.name}) is one organizationNames gives (sync reconcile compares with them)`);
        assert.ok(names(renamed).includes(updated.name), `the name it was renamed to (${updated.name}) is one organizationNames gives`);
        const clashing: Organization = { ...renamed, name: other.name, slug: `name-holder-${n}` };
        const clash = await t.updateOrganization!(oref, clashing);
        assert.equal(clash.id, oref.id);
        assert.ok(clash.name.startsWith(other.name), `renamed to the name or a disambiguated form of it: ${clash.name}`);
        assert.ok(names(clashing).includes(clash.name), `a disambiguated name (${clash.name}) is one organizationNames gives, so reconcile does not rename it again on every pass`);
        assert.deepEqual((await t.findOrganization({ externalId: holder, name: '' }))?.name, other.name, 'the other organization keeps its name');
        assert.equal((await t.findOrganization({ externalId: org.sourceId, name: '' }))?.id, oref.id);
      }
      if (caps.deletesOrganizations) {
        const n = seq + 1;
        const org: Organization = { sourceId: id('deleted-org'), name: `Deleted Org ${n}`, slug: `deleted-org-${n}`, metadata: {} };
        const oref = await t.createOrganization(org);
        const { ref } = await create(person(id('member-of-deleted'), `${id('member-of-deleted')}@example.com`));
        await t.ensureMembership(ref, oref, ['admin']);
        assert.equal(await t.deleteOrganization!(oref), 'deleted');
        assert.equal(await t.findOrganization({ externalId: org.sourceId, name: org.name }), undefined, 'found neither by external id nor by name');
        const v = await view(ref);
        assert.equal(v.memberships.some((m) => m.organizationId === oref.id), false, 'its memberships went with it');
        assert.equal(await t.deleteOrganization!(oref), 'absent', 'a repeat is idempotent');
        const again = await t.createOrganization(org);
        assert.equal((await t.findOrganization({ externalId: org.sourceId, name: org.name }))?.id, again.id, 'the source id is free again');
      }
    });

    it(`keeps metadata within the declared limits (${caps.metadata}${caps.metadataMaxBytes ? `, ${caps.metadataMaxBytes} bytes` : ''})`, async () => {
      const user = person(id('meta'), `${id('meta')}@example.com`, { metadata: { public: { plan: 'pro', seats: 3 }, private: { stripe: 'cus_123' } } });
      const { ref, plan: p } = await create(user);
      const v = await view(ref);
      if (caps.metadata === 'none') {
        assert.ok(p.lossy.some((n) => n.field === 'metadata'), 'the plan says metadata is not moved');
        assert.deepEqual(v.metadata ?? {}, {}, 'and the target holds none');
        return;
      }
      // Small metadata moves whole: every key kept (a note may say how a value is stored, e.g. as text).
      for (const kind of ['public', 'private'] as const) {
        for (const [k, value] of Object.entries(user.metadata[kind])) {
          assert.ok(sameValue(metadataOf(v, caps, kind)[k], value), `${kind} metadata ${k} kept: ${JSON.stringify(metadataOf(v, caps, kind)[k])}`);
        }
      }
      if (caps.metadata === 'public-private') assert.equal(metadataOf(v, caps, 'public').stripe, undefined, 'private metadata stays private');
    });

    it('metadata over the limits is dropped with a note, never refused and never silently cut', async () => {
      // Past any declared byte budget, with one long key and one long value that per-key limits catch.
      const budget = caps.metadataMaxBytes ?? 8 * 1024;
      const pub: Record<string, unknown> = { ['k'.repeat(64)]: 'long key', long_value: 'v'.repeat(1000) };
      for (let i = 0; Object.keys(pub).length * 300 < budget + 600; i++) pub[`key_${i}`] = `${i}:${'x'.repeat(280)}`;
      const user = person(id('bigmeta'), `${id('bigmeta')}@example.com`, { metadata: { public: pub, private: {} } });
      const { ref, plan: p } = await create(user);
      const noted = p.lossy.some((n) => n.field.startsWith('metadata'));
      if (caps.metadataMaxBytes !== undefined) assert.ok(noted, 'over the declared byte budget, the plan notes what it dropped');
      if (caps.metadata === 'none') return;
      const kept = metadataOf(await view(ref), caps, 'public');
      for (const [k, value] of Object.entries(pub)) {
        if (!sameValue(kept[k], value)) assert.ok(noted, `metadata ${k.slice(0, 20)} was not kept, and no lossy note says so`);
      }
      if (caps.metadataMaxBytes !== undefined) assert.ok(Buffer.byteLength(JSON.stringify(kept)) <= caps.metadataMaxBytes + 200, 'the target holds no more than its budget');
    });

    it(`every declared hash signs in with the right password and not a wrong one (${[...caps.nativeHashes, ...caps.extensionHashes].join(', ')})`, async () => {
      const declared: HashAlgorithm[] = [...caps.nativeHashes, ...caps.extensionHashes];
      for (const [i, alg] of declared.entries()) {
        const password = `Conformance pw ${i} ünïcødé`;
        const hash = await hashPassword(alg, password, alg === 'firebase-scrypt' ? FIREBASE_PARAMS : {});
        const email = `${id(`hash-${alg}`)}@example.com`;
        const { ref, plan: p } = await create(person(id(alg), email, { password: hash, passwordPlan: 'import' }));
        assert.equal(p.password, 'import', `${alg}: the plan imports a declared hash`);
        const ok = await t.login(email, password);
        assert.deepEqual(ok, { ok: true, userId: ref.id }, `${alg}: the right password signs in`);
        assert.equal((await t.login(email, `${password}x`)).ok, false, `${alg}: a wrong password does not`);
      }
      const undeclared = HASH_ALGORITHMS.find((a) => !declared.includes(a));
      if (undeclared === undefined) return;
      const password = 'Undeclared pw 1';
      const user = person(id(`undeclared-${undeclared}`), `${id('undeclared')}@example.com`, {
        password: await hashPassword(undeclared, password, undeclared === 'firebase-scrypt' ? FIREBASE_PARAMS : {}),
        passwordPlan: 'import',
      });
      assert.notEqual(plan(user).password, 'import', `${undeclared} is not declared, so the plan does not send it`);
      // Sent anyway, the target refuses it or the user cannot sign in with it: it is truly absent.
      try {
        await t.createUser(user, { includePasswordHash: true, missingPassword: 'jit' });
      } catch (e) {
        assert.ok(e instanceof FlaglessError, String(e));
        return;
      }
      assert.equal((await t.login(primaryAddress(user), password)).ok, false, `${undeclared} is undeclared but signs in: declare it`);
    });

    it(`passwords set at login (jitPasswords: ${caps.jitPasswords})`, async () => {
      const email = `${id('jit')}@example.com`;
      const { ref, plan: p } = await create(person(id('jit'), email));
      assert.equal(p.password, 'none');
      assert.equal((await t.login(email, 'Jit-Moved-Pw-1')).ok, false, 'no password yet');
      if (!caps.jitPasswords) {
        await rejection(t.setPassword(ref, 'Jit-Moved-Pw-1'), 'a target without JIT passwords refuses a plaintext');
        return;
      }
      await t.setPassword(ref, 'Jit-Moved-Pw-1');
      assert.deepEqual(await t.login(email, 'Jit-Moved-Pw-1'), { ok: true, userId: ref.id });
      assert.equal((await t.login(email, 'Jit-Moved-Pw-2')).ok, false);
    });

    it(`social links (socialLinks: ${caps.socialLinks}), usernames (${caps.usernames}), disabled users (${caps.disabledUsers})`, async () => {
      const googleId = `g-${id('google')}`;
      const social = person(id('social'), `${id('social')}@example.com`, { identities: [{ provider: 'google', providerUserId: googleId, kind: 'social' }] });
      const s = await create(social);
      const identities = (await view(s.ref)).identities;
      if (caps.socialLinks) {
        assert.equal(s.plan.socialLinks.import, 1);
        assert.ok(identities.some((x) => x.provider === 'google' && x.providerUserId === googleId), `the link is kept: ${JSON.stringify(identities)}`);
      } else {
        assert.equal(s.plan.socialLinks.lossy, 1, 'the plan says the link is lost');
        assert.deepEqual(identities, [], 'and the target holds none');
      }

      const username = `conf.user.${seq}`;
      const named = await create(person(id('named'), `${id('named')}@example.com`, { username }));
      const v = await view(named.ref);
      if (caps.usernames) assert.equal(v.username?.toLowerCase(), username.toLowerCase(), 'the username is kept');
      else {
        assert.ok(named.plan.lossy.some((n) => n.field === 'username'), 'the plan says the username is lost');
        assert.equal(v.username, undefined);
      }

      const email = `${id('disabled')}@example.com`;
      const disabled = person(id('disabled'), email, { disabled: true, password: await hashPassword(caps.nativeHashes[0] ?? caps.extensionHashes[0] ?? 'bcrypt', 'Disabled-Pw-1'), passwordPlan: 'import' });
      const dp = plan(disabled);
      if (!caps.disabledUsers) {
        assert.equal(dp.action, 'skip', 'a target that cannot disable users is never sent one (it would re-enable it)');
        return;
      }
      const dref = await t.createUser(dp.user, dp.createOptions);
      assert.equal((await view(dref)).disabled, true, 'the user is disabled');
      assert.equal((await t.login(email, 'Disabled-Pw-1')).ok, false, 'a disabled user cannot sign in');
    });

    it(`users without an email (requiresEmail: ${caps.requiresEmail}), phones (${caps.phoneNumbers}), MFA (totp: ${caps.totpSecrets}, sms: ${caps.smsFactors})`, async () => {
      const noEmail = person(id('no-email'), undefined, { username: `no.email.${seq}` });
      const p = plan(noEmail);
      if (caps.requiresEmail) {
        assert.equal(p.action, 'skip', 'the plan never sends a user without email');
        await rejection(t.createUser(noEmail, p.createOptions), 'a user without email sent anyway');
      } else {
        assert.equal(p.action, 'create');
        const ref = await t.createUser(p.user, p.createOptions);
        assert.equal((await t.findUser({ externalId: noEmail.sourceId }))?.id, ref.id, 'a user without email is created and found');
      }

      const phone = person(id('phone'), `${id('phone')}@example.com`, { phones: [{ number: '+14155550123', verified: true, primary: true }] });
      const pp = plan(phone);
      if (caps.phoneNumbers) {
        assert.ok(!pp.lossy.some((n) => n.field === 'phones'), 'phones are declared: the plan moves them');
        const pref = await t.createUser(pp.user, pp.createOptions);
        assert.deepEqual((await view(pref)).phones, ['+14155550123'], 'the view shows the phone number (TargetUserView.phones)');
      } else {
        if ((caps.metadataCarries ?? []).includes('phones')) assert.ok(!pp.lossy.some((n) => n.field === 'phones'), 'phones are declared carried in metadata');
        else assert.ok(pp.lossy.some((n) => n.field === 'phones'), 'the plan says phones are not moved');
        const pref = await t.createUser(pp.user, pp.createOptions);
        assert.equal((await view(pref)).phones, undefined, 'a target without phone numbers shows none');
      }

      const mfa = person(id('mfa'), `${id('mfa')}@example.com`, {
        mfa: [
          { kind: 'totp', secret: secret('JBSWY3DPEHPK3PXP') },
          { kind: 'sms', phoneNumber: '+14155550124' },
        ],
      });
      const mp = plan(mfa);
      assert.equal(mp.mfaFactors.import, Number(caps.totpSecrets) + Number(caps.smsFactors), 'the plan imports exactly the declared factors');
      assert.equal(mp.mfaFactors.lossy, 2 - mp.mfaFactors.import);
      const ref = await t.createUser(mp.user, mp.createOptions);
      const factors = opened.inspect?.factors;
      if (caps.totpSecrets || caps.smsFactors) assert.ok(factors, 'the target declares MFA factors: its subject must give inspect.factors so the suite can see them');
      if (factors) {
        const kinds = await factors(ref);
        assert.equal(kinds.includes('totp'), caps.totpSecrets, 'a TOTP factor exactly when declared');
        assert.equal(kinds.includes('sms'), caps.smsFactors, 'an SMS factor exactly when declared');
      }
    });

    for (const kind of ['rate-limited', 'unavailable'] as const) {
      it(`${kind === 'rate-limited' ? 'a 429' : 'a 5xx or a database gone'} surfaces as a retriable FlaglessError, and nothing was written`, async () => {
        const inject = opened.faults[kind];
        if (!inject) {
          assert.equal(kind, 'rate-limited', 'every target can be unavailable: give the suite a way to make it so');
          assert.equal(caps.rateLimitPerSecond, undefined, 'a target that cannot answer 429 declares no rate limit');
          assert.equal(caps.readRateLimitPerSecond, undefined);
          return;
        }
        const sourceId = id(kind);
        const email = `${sourceId}@example.com`;
        const p = plan(person(sourceId, email));
        const heal = await inject();
        let e: FlaglessError;
        try {
          e = await rejection(t.createUser(p.user, p.createOptions), `createUser while ${kind}`);
          if (kind === 'rate-limited') {
            const read = await rejection(t.findUser({ externalId: sourceId, email }), `findUser while ${kind}`);
            assert.equal(read.code, 'E_RATE_LIMITED');
            assert.equal(read.errorClass, 'retriable');
          }
        } finally {
          await heal();
        }
        assert.equal(e.errorClass, 'retriable', `${e.code}: ${e.message}`);
        if (kind === 'rate-limited') {
          assert.equal(e.code, 'E_RATE_LIMITED');
          assert.equal(e.retryAfterSeconds, FAULT_RETRY_AFTER_SECONDS, 'the Retry-After the server sent reaches the engine');
        } else {
          assert.equal(e.code, 'E_TARGET_UNAVAILABLE');
        }
        assert.equal(await t.findUser({ externalId: sourceId, email }), undefined, 'the refused write left nothing behind');
        const ref = await t.createUser(p.user, p.createOptions);
        assert.equal((await t.findUser({ externalId: sourceId }))?.id, ref.id, 'once the target is back, the same write goes through');
      });
    }

    it(`a batch with one bad record quarantines that record and commits the rest (batchSize: ${caps.batchSize})`, async () => {
      if (caps.batchSize === 1) {
        assert.equal(t.createUsers, undefined, 'one user per request: no bulk path to check');
        assert.equal(t.createUsersEach, undefined, 'one user per request: no bulk path to check');
        return;
      }
      // The bad record: its email already belongs to another account, and --on-conflict fail says not to link it.
      const taken = `${id('taken')}@example.com`;
      await create(person(id('holder'), taken));
      const users = [0, 1, 2, 3].map((i) => person(id(`batch-${i}`), i === 2 ? taken : `${id(`batch-${i}`)}@example.com`));
      let bulkCalls = 0;
      let oneByOne = 0;
      const spied = new Proxy(t, {
        get(target, prop) {
          if ((prop === 'createUsers' || prop === 'createUsersEach') && typeof target[prop] === 'function') {
            return (batch: Parameters<NonNullable<Target['createUsers']>>[0]) => {
              bulkCalls++;
              return prop === 'createUsers' ? target.createUsers!(batch) : target.createUsersEach!(batch);
            };
          }
          if (prop === 'createUser') {
            return (...args: Parameters<Target['createUser']>) => {
              oneByOne++;
              return target.createUser(...args);
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const dir = mkdtempSync(join(tmpdir(), 'flagless-conf-batch-'));
      const store = await openStateStore(join(dir, 'state.db'));
      try {
        const s = await migrate({
          source: memorySource(users),
          runKey: `conformance-${subject.name}-${seq}`,
          sourceFingerprint: 'memory',
          target: spied,
          targetLabel: subject.name,
          store,
          onConflict: 'fail',
          retry: { maxAttempts: 3, maxRateLimited: 100, backoff: { baseMs: 5, maxMs: 50 } },
        });
        assert.ok(bulkCalls >= 1, 'the users went through the bulk path');
        assert.deepEqual(s.quarantine.map((q) => [q.sourceId, q.code]), [[users[2]!.sourceId, 'E_TARGET_CONFLICT']], 'only the bad record is quarantined');
        assert.equal(s.users.created, 3);
        // A bulk create that answers per item settles every user from its answer: none goes again.
        if (t.createUsersEach) assert.equal(oneByOne, 0, 'no user was sent again one by one');
        for (const u of [users[0]!, users[1]!, users[3]!]) assert.ok(await t.findUser({ externalId: u.sourceId }), `${u.sourceId} committed`);
        const holders = (await allUsers(t)).filter((u) => normalizeEmail(u.email ?? '') === normalizeEmail(taken));
        assert.equal(holders.length, 1, 'the bad record did not make a second account');
      } finally {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

function primaryAddress(user: CanonicalUser): string {
  return user.emails[0]!.address;
}

/**
 * The two faults for a target reached over HTTP through `startHttpFaultProxy` (test/helpers/fault-proxy.ts):
 * 429 with `Retry-After: 7`, and 503. What an HTTP target's subject usually passes as `faults`.
 */
export function httpProxyFaults(proxy: { fail(status: number, headers?: Record<string, string>, body?: unknown): void; heal(): void }): OpenedTarget['faults'] {
  const fail = (status: number, headers: Record<string, string> = {}) => async () => {
    proxy.fail(status, headers, { error: status === 429 ? 'too_many_requests' : 'unavailable', message: status === 429 ? 'Too many requests' : 'Service unavailable' });
    return async () => proxy.heal();
  };
  return { 'rate-limited': fail(429, { 'retry-after': String(FAULT_RETRY_AFTER_SECONDS) }), unavailable: fail(503) };
}
