// The Keycloak target against the real server (scripts/keycloak.mjs, flagless's extension deployed):
// users from generated Clerk, Auth0 and Firebase exports, created through the target (one by one and
// in partial-import batches), sign in through the OpenID Connect token endpoint with their original
// passwords; TOTP, social links, organizations with roles, idempotent re-passes (zero writes),
// missing-password policies, linking an existing account, and `flagless migrate` / `verify` end to end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { KeycloakAdminHttp } from '../../src/connectors/keycloak/admin-http.js';
import { connectKeycloak, ensurePasswordGrantClient, getStoredCredentials, tokenLogin, type KeycloakConnection } from '../../src/connectors/keycloak/admin-client.js';
import { target as keycloak } from '../../src/connectors/keycloak/index.js';
import type { KeycloakTarget } from '../../src/connectors/keycloak/target.js';
import { SOURCE_MODULES, type KnownSourceVendor as SourceVendor } from '../../src/connectors/index.js';
import { TARGET_MODULES } from '../../src/connectors/index.js';
import { planUser } from '../../src/engine/plan.js';
import type { MigrateSummary } from '../../src/engine/summary.js';
import type { VerifyReport } from '../../src/engine/verify.js';
import { hashPassword } from '../../src/model/password/index.js';
import { primaryEmail, emptyUser, type CanonicalUser, type Organization } from '../../src/model/user.js';
import { FlaglessError } from '../../src/protocol/errors.js';
import type { CreateUserOptions, TargetUserRef, TargetUserView } from '../../src/protocol/target.js';
import { releaseKeycloak, useKeycloak, type LocalKeycloak } from './server-helper.js';
import { SmtpSink } from './smtp-sink.js';
import { base32Decode, totp } from '../helpers/totp.js';
import { failure } from '../helpers/failure.js';

const IMPORT: CreateUserOptions = { includePasswordHash: true, missingPassword: 'jit' };
interface Exported {
  vendor: SourceVendor;
  users: CanonicalUser[];
  organizations: Organization[];
  logins: { identifier: string; password: string }[];
  files: Record<string, string>;
}

async function exportOf(vendor: SourceVendor, dir: string, users: number, seed: number): Promise<Exported> {
  const mod = await SOURCE_MODULES[vendor]();
  const out = join(dir, `${vendor}-export`);
  const plaintexts = join(dir, `${vendor}-logins.csv`);
  const result = await mod.generate({ users, out, plaintexts, seed, clean: true });
  const files = Object.fromEntries(result.files.map((f) => [f.role, f.path]));
  const source = mod.source.open({
    file: files.export!,
    ...(files.passwords ? { passwords: files.passwords } : {}),
    ...(files['hash-config'] ? { hashConfig: files['hash-config'] } : {}),
    ...(files['api-dump'] ? { apiDump: files['api-dump'] } : {}),
  });
  const e: Exported = { vendor, users: [], organizations: [], logins: parse(readFileSync(plaintexts), { columns: true }), files };
  for await (const item of source.read()) {
    if (item.type === 'user') e.users.push(item.user);
    else if (item.type === 'organization') e.organizations.push(item.organization);
  }
  return e;
}

describe('Keycloak target (real server)', { timeout: 15 * 60_000 }, () => {
  let kc: LocalKeycloak;
  let conn: KeycloakConnection;
  let t: KeycloakTarget;
  let admin: KeycloakAdminHttp;
  const realm = `flagless-target-${process.pid}-${randomBytes(3).toString('hex')}`;
  const extraRealms: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'flagless-'));
  const env = () => ({ ...process.env, KEYCLOAK_URL: kc.url, KEYCLOAK_ADMIN_USERNAME: kc.username, KEYCLOAK_ADMIN_PASSWORD: kc.password });
  const open = async (name: string) => (await keycloak.open({ env: env(), realm: name })) as KeycloakTarget;
  /** Every user created from the exports: source id → target ref. */
  const refs = new Map<string, TargetUserRef>();
  const exports = new Map<SourceVendor, Exported>();

  before(async () => {
    kc = await useKeycloak();
    conn = await connectKeycloak({ url: kc.url, username: kc.username, password: kc.password });
    t = await open(realm);
    admin = new KeycloakAdminHttp(kc.url, realm, () => conn.admin.getAccessToken());
  });

  after(async () => {
    try {
      for (const r of [realm, ...extraRealms]) await new KeycloakAdminHttp(kc.url, r, () => conn.admin.getAccessToken()).request('DELETE', '', { what: 'delete realm', accept: [404] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await releaseKeycloak();
    }
  });

  test('is registered, creates the realm with its user profile keeping attributes, and a second open only reads', async () => {
    const mod = await TARGET_MODULES.keycloak!();
    assert.equal(mod.target.name, 'keycloak');
    assert.equal(t.realmCreated, true);
    const { body: profile } = await admin.get<{ unmanagedAttributePolicy?: string; attributes: { name: string; required?: unknown }[] }>('/users/profile', { what: 'profile' });
    assert.equal(profile.unmanagedAttributePolicy, 'ADMIN_EDIT');
    for (const name of ['email', 'firstName', 'lastName']) assert.equal(profile.attributes.find((a) => a.name === name)?.required, undefined, `${name} is optional`);
    const again = await open(realm);
    assert.equal(again.realmCreated, false);
    assert.equal(again.stats.writes, 0, 'opening an existing, prepared realm writes nothing');
  });

  test('refuses a missing realm, the master realm, and wrong admin credentials', async () => {
    assert.equal((await failure(keycloak.open({ env: env() }))).code, 'E_USAGE');
    assert.equal((await failure(keycloak.open({ env: env(), realm: 'master' }))).code, 'E_USAGE');
    const bad = await failure(keycloak.open({ env: { ...env(), KEYCLOAK_ADMIN_PASSWORD: 'wrong-password' }, realm }));
    assert.equal(bad.code, 'E_TARGET_AUTH');
    assert.equal(bad.errorClass, 'fatal');
    assert.doesNotMatch(bad.message, /wrong-password/);
  });

  test('users from generated Clerk, Auth0 and Firebase exports sign in with their original passwords (bcrypt, argon2, firebase-scrypt, PBKDF2)', async () => {
    const planOptions = { missingPassword: 'jit' as const, targetNotes: t.lossyNotes.bind(t) };
    const byAlgorithm = new Map<string, number>();
    const algorithmOf = new Map<string, string>();
    const disabled = new Set<string>();
    for (const [vendor, seed] of [['clerk', 11], ['auth0', 12], ['firebase', 13]] as const) {
      const e = await exportOf(vendor, dir, 40, seed);
      exports.set(vendor, e);
      const planned = e.users.map((u) => ({ u, plan: planUser(u, t.capabilities, planOptions) })).filter((x) => x.plan.action === 'create');
      // Half in partial-import batches, half one by one: both paths must store the same thing.
      const half = Math.floor(planned.length / 2);
      for (let i = 0; i < half; i += 10) {
        const chunk = planned.slice(i, Math.min(i + 10, half));
        const made = await t.createUsers(chunk.map((x) => ({ user: x.plan.user, options: x.plan.createOptions })));
        chunk.forEach((x, k) => refs.set(x.u.sourceId, made[k]!));
      }
      for (const x of planned.slice(half)) refs.set(x.u.sourceId, await t.createUser(x.plan.user, x.plan.createOptions));
      for (const x of planned) {
        const key = `${vendor}:${primaryEmail(x.u)?.normalized ?? x.u.username}`;
        if (x.plan.password === 'import') algorithmOf.set(key, x.u.password!.algorithm);
        if (x.u.disabled) disabled.add(key);
      }
    }
    // PBKDF2 (what Django, Keycloak itself and many home-grown systems export), built here.
    const pbkdf2 = { ...emptyUser('pbkdf2-user'), emails: [{ address: 'pbkdf2@example.com', normalized: 'pbkdf2@example.com', verified: true, primary: true }] };
    pbkdf2.password = await hashPassword('pbkdf2-sha256', 'Pbkdf2-Original-Pw!', { iterations: 27500 });
    pbkdf2.passwordPlan = 'import';
    refs.set(pbkdf2.sourceId, await t.createUser(pbkdf2, IMPORT));

    const logins = [...exports.values()].flatMap((e) => e.logins.map((l) => ({ ...l, key: `${e.vendor}:${l.identifier.toLowerCase()}` })));
    logins.push({ identifier: 'pbkdf2@example.com', password: 'Pbkdf2-Original-Pw!', key: 'x:pbkdf2' });
    algorithmOf.set('x:pbkdf2', 'pbkdf2-sha256');
    let tried = 0;
    for (const l of logins) {
      const algorithm = algorithmOf.get(l.key);
      if (!algorithm) continue; // moved without a hash (JIT): no password in Keycloak yet
      tried++;
      const r = await t.login(l.identifier, l.password);
      if (disabled.has(l.key)) {
        // Moved disabled, as in the source: the right password does not open it.
        assert.deepEqual(r, { ok: false, reason: 'account_disabled' }, l.key);
        continue;
      }
      assert.equal(r.ok, true, `${l.key} (${algorithm}) signs in: ${JSON.stringify(r)}`);
      byAlgorithm.set(algorithm, (byAlgorithm.get(algorithm) ?? 0) + 1);
    }
    assert.ok(tried >= 60, `signed in as ${tried} users`);
    assert.ok(disabled.size > 0, 'the exports have disabled users, refused above');
    for (const a of ['bcrypt', 'argon2id', 'firebase-scrypt', 'pbkdf2-sha256']) assert.ok((byAlgorithm.get(a) ?? 0) > 0, `a ${a} user signed in (${JSON.stringify([...byAlgorithm])})`);

    // Wrong passwords are refused, for each kind of hash.
    for (const l of logins.filter((x) => algorithmOf.has(x.key)).slice(0, 8)) {
      const r = await t.login(l.identifier, `${l.password}x`);
      assert.deepEqual(r, { ok: false, reason: 'invalid_user_credentials' });
    }
  });

  test("after a sign-in the stored credential is Keycloak's default (argon2), for every imported algorithm", async () => {
    const seen = new Set<string>();
    for (const e of exports.values()) {
      for (const u of e.users) {
        const ref = refs.get(u.sourceId);
        if (!ref || !u.password || u.disabled || seen.has(u.password.algorithm)) continue;
        const login = e.logins.find((l) => l.identifier.toLowerCase() === (primaryEmail(u)?.normalized ?? u.username));
        if (!login) continue;
        seen.add(u.password.algorithm);
        // The sign-ins above already ran; the re-hash commits in its own transaction: wait, bounded.
        const deadline = Date.now() + 10_000;
        let algorithm = '';
        while (Date.now() < deadline) {
          algorithm = String((await getStoredCredentials(conn, realm, ref.id)).find((c) => c.type === 'password')?.data.algorithm);
          if (algorithm === 'argon2') break;
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(algorithm, 'argon2', `${e.vendor} ${u.password.algorithm} user re-hashed`);
        assert.equal((await t.login(login.identifier, login.password)).ok, true, 'and still signs in');
      }
    }
    assert.deepEqual([...seen].sort(), ['argon2id', 'bcrypt', 'firebase-scrypt']);
    const pbkdf2 = await getStoredCredentials(conn, realm, refs.get('pbkdf2-user')!.id);
    assert.equal(pbkdf2.find((c) => c.type === 'password')?.data.algorithm, 'argon2');
  });

  test('a user with TOTP must present a valid code from the original secret (realm flows); the verify client checks the password alone', async () => {
    const clerk = exports.get('clerk')!;
    const u = clerk.users.find((x) => x.mfa.some((f) => f.kind === 'totp' && f.secret) && x.password && refs.has(x.sourceId));
    assert.ok(u, 'the Clerk export has a TOTP user with a password');
    const login = clerk.logins.find((l) => l.identifier.toLowerCase() === (primaryEmail(u)?.normalized ?? u.username))!;
    const key = base32Decode(u.mfa.find((f) => f.kind === 'totp')!.secret!.reveal());
    await ensurePasswordGrantClient(conn, realm, 'flagless-proof');
    const grant = (code?: string, password = login.password) =>
      tokenLogin({ url: kc.url, realm, clientId: 'flagless-proof', username: login.identifier, password, ...(code === undefined ? {} : { totp: code }) });
    assert.equal((await grant()).ok, false, 'the password alone is not enough');
    const valid = new Set([-1, 0, 1].map((s) => totp(key, s)));
    let wrong = '000000';
    for (let s = 50; valid.has(wrong); s++) wrong = totp(key, s);
    assert.equal((await grant(wrong)).ok, false, 'a wrong code is refused');
    assert.equal((await grant(totp(key), `${login.password}x`)).ok, false, 'a right code does not rescue a wrong password');
    const ok = await grant(totp(key));
    assert.equal(ok.ok, true, `password + a code from the original secret: ${JSON.stringify(ok)}`);
    assert.equal((await t.login(login.identifier, login.password)).ok, true, 'flagless-verify checks the password alone');
  });

  test('social links are federated identities; missing identity providers become disabled placeholders', async () => {
    let checked = 0;
    for (const e of exports.values()) {
      for (const u of e.users.filter((x) => x.identities.length && refs.has(x.sourceId))) {
        const view = await t.getUser(refs.get(u.sourceId)!);
        assert.ok(view);
        for (const i of u.identities) {
          assert.ok(view.identities.some((x) => x.provider === i.provider && x.providerUserId === i.providerUserId), `${e.vendor} ${u.sourceId} keeps its ${i.provider} link`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 5, `${checked} links checked`);
    const { body: idps } = await admin.get<{ alias: string; enabled: boolean }[]>('/identity-provider/instances', { what: 'idps' });
    assert.ok(idps.some((p) => p.alias === 'google'), 'google placeholder');
    assert.ok(idps.every((p) => p.enabled === false), 'placeholders are disabled until configured');
    assert.ok(idps.some((p) => p.alias.startsWith('saml-')), 'an Auth0 enterprise SAML connection');
  });

  /**
   * Organizations and membership roles through a target, twice (the second pass only reads), then
   * what the target reads back: the same for Keycloak organizations and for the realm-groups mode.
   */
  async function organizationsCase(target: KeycloakTarget, userRefs: Map<string, TargetUserRef>): Promise<void> {
    const orgRefs = new Map<string, { id: string; name: string }>();
    let memberships = 0;
    const pass = async () => {
      for (const e of exports.values()) {
        for (const org of e.organizations) {
          const found = await target.findOrganization({ externalId: org.sourceId, name: org.name });
          orgRefs.set(org.sourceId, found ?? (await target.createOrganization(org)));
        }
        for (const u of e.users) {
          const ref = userRefs.get(u.sourceId);
          if (!ref) continue;
          for (const m of u.memberships) {
            const org = orgRefs.get(m.organizationId);
            if (!org) continue;
            await target.ensureMembership(ref, org, m.roles);
            memberships++;
          }
        }
      }
    };
    await pass();
    assert.ok(memberships >= 10, `${memberships} memberships`);
    const writes = target.stats.writes;
    memberships = 0;
    await pass();
    assert.equal(target.stats.writes, writes, 'the second pass writes nothing');

    // Visible through the target's reads, with the role as a group.
    const clerk = exports.get('clerk')!;
    const admin1 = clerk.users.find((u) => u.memberships.some((m) => m.roles.includes('org:admin')) && userRefs.has(u.sourceId))!;
    const view = await target.getUser(userRefs.get(admin1.sourceId)!);
    const m = admin1.memberships.find((x) => x.roles.includes('org:admin'))!;
    const entry = view!.memberships.find((x) => x.organizationExternalId === m.organizationId);
    assert.ok(entry, 'member of the organization');
    assert.deepEqual(entry.roles, ['admin']);
    assert.equal(target.roleName('org:admin'), 'admin');
    // listUsers (what verify reads) gathers the same, per organization rather than per user.
    let listed: TargetUserView | undefined;
    for await (const v of target.listUsers()) if (v.id === userRefs.get(admin1.sourceId)!.id) listed = v;
    assert.deepEqual(listed?.memberships.find((x) => x.organizationExternalId === m.organizationId)?.roles, ['admin']);

    // A changed role moves the user between flagless's role groups.
    const org = orgRefs.get(m.organizationId)!;
    const ref = userRefs.get(admin1.sourceId)!;
    assert.equal(await target.ensureMembership(ref, { ...org }, ['org:member']), 'updated');
    assert.deepEqual((await target.getUser(ref))!.memberships.find((x) => x.organizationId === org.id)!.roles, ['member']);
    assert.equal(await target.ensureMembership(ref, { ...org }, ['org:admin']), 'updated');
    assert.equal(await target.ensureMembership(ref, { ...org }, ['org:admin']), 'exists');

    // The organization is found by its source id; a same-named one gets a distinct name.
    const dup = await target.createOrganization({ sourceId: 'org_other', name: clerk.organizations[0]!.name, metadata: {} });
    assert.notEqual(dup.id, orgRefs.get(clerk.organizations[0]!.sourceId)!.id);
    assert.equal((await target.findOrganization({ externalId: 'org_other', name: 'x' }))?.id, dup.id);
  }

  test('organizations with membership roles as organization groups; every second pass is reads only', async () => {
    assert.equal(t.organizationMode, 'organizations', 'Keycloak 26.7 has organization groups');
    await organizationsCase(t, refs);
  });

  test('KEYCLOAK_SEND_RESET_EMAIL: users created without a password get Keycloak\'s update-password email, once', async () => {
    const name = `${realm}-mail`;
    extraRealms.push(name);
    const mailEnv = { ...env(), KEYCLOAK_SEND_RESET_EMAIL: '1' };
    // A realm without email settings is refused at open, before anything is written (not even the realm).
    const mAdmin = new KeycloakAdminHttp(kc.url, name, () => conn.admin.getAccessToken());
    await assert.rejects(keycloak.open({ env: mailEnv, realm: name }), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE' && /does not exist yet, so it has no email settings/.test(e.message));
    assert.equal((await mAdmin.get('', { what: 'realm', accept: [404] })).status, 404);
    // Created (with its user profile set up) by an open without the option; then given email settings.
    await keycloak.open({ env: env(), realm: name });
    await assert.rejects(keycloak.open({ env: mailEnv, realm: name }), (e: unknown) => e instanceof FlaglessError && e.code === 'E_USAGE' && /' has no email settings/.test(e.message));
    const sink = await new SmtpSink().start();
    try {
      const { body: rep } = await mAdmin.get<Record<string, unknown>>('', { what: 'realm' });
      await mAdmin.request('PUT', '', { what: 'email settings', body: { ...rep, smtpServer: { host: '127.0.0.1', port: String(sink.port), from: 'noreply@flagless.test', auth: 'false', ssl: 'false', starttls: 'false' } } });
      const m = (await keycloak.open({ env: mailEnv, realm: name })) as KeycloakTarget;
      const reset: CreateUserOptions = { includePasswordHash: true, missingPassword: 'reset' };
      const person = (id: string, email: string, extra: Partial<CanonicalUser> = {}): CanonicalUser => ({
        ...emptyUser(id),
        emails: [{ address: email, normalized: email, verified: true, primary: true }],
        passwordPlan: 'jit',
        ...extra,
      });
      await m.createUser(person('mail-1', 'one@mail.test'), reset);
      await m.createUsers!([
        { user: person('mail-2', 'two@mail.test'), options: reset },
        { user: person('mail-3', 'three@mail.test'), options: reset },
        // Not mailed: a user whose password moves with them, and a disabled account.
        { user: person('mail-4', 'four@mail.test', { password: await hashPassword('bcrypt', 'Four-Pw-1', { cost: 4 }), passwordPlan: 'import' }), options: reset },
        { user: person('mail-5', 'five@mail.test', { disabled: true }), options: reset },
      ]);
      // Without the option nothing is mailed, even for the same kind of user.
      await t.createUser(person('mail-6', 'six@mail.test'), reset);
      assert.deepEqual(m.events, { resetEmailsSent: 3, resetEmailsFailed: 0 });
      assert.equal(t.events, undefined, 'no reset-email counts without the option');
      const to = sink.mails.flatMap((x) => x.to).sort();
      assert.deepEqual(to, ['one@mail.test', 'three@mail.test', 'two@mail.test']);
      for (const mail of sink.mails) assert.match(mail.data.replace(/=\r\n/g, ''), /action-token/, 'the email carries Keycloak\'s action link');
      // Found again by a re-run, a user is not created, so not mailed again.
      assert.ok(await m.findUser({ externalId: 'mail-1' }));
      assert.equal(sink.mails.length, 3);
    } finally {
      await sink.close();
    }
  });

  test('KEYCLOAK_ORGANIZATIONS=groups (the mode for servers before 26.6): organizations as realm groups, same guarantees', async () => {
    const name = `${realm}-groups`;
    extraRealms.push(name);
    const g = (await keycloak.open({ env: { ...env(), KEYCLOAK_ORGANIZATIONS: 'groups' }, realm: name })) as KeycloakTarget;
    assert.equal(g.organizationMode, 'groups');
    const groupRefs = new Map<string, TargetUserRef>();
    for (const e of exports.values()) {
      for (const u of e.users) {
        if (u.memberships.length === 0 || !refs.has(u.sourceId)) continue;
        const copy: CanonicalUser = { ...u, passwordPlan: 'none' };
        delete copy.password;
        groupRefs.set(u.sourceId, await g.createUser(copy, { includePasswordHash: false, missingPassword: 'reset' }));
      }
    }
    await organizationsCase(g, groupRefs);
    // Nothing went to Keycloak organizations: the realm did not even switch them on.
    const gAdmin = new KeycloakAdminHttp(kc.url, name, () => conn.admin.getAccessToken());
    const { body: rep } = await gAdmin.get<{ organizationsEnabled?: boolean }>('', { what: 'realm' });
    assert.notEqual(rep.organizationsEnabled, true);
    const { body: top } = await gAdmin.get<{ name: string }[]>('/groups', { what: 'groups', query: { briefRepresentation: true } });
    assert.deepEqual(top.map((x) => x.name), ['organizations']);

    // Sync's organization writes in this mode: a rename of the group (other attributes kept), a repeat writing nothing, a delete taking the memberships.
    const member = [...groupRefs.values()][0]!;
    const org = { sourceId: 'org_groups_sync', name: 'Groups Before', slug: 'groups-before', metadata: { tier: 'gold' } };
    const oref = await g.createOrganization(org);
    await g.ensureMembership(member, oref, ['org:admin']);
    await gAdmin.request('PUT', `/groups/${oref.id}`, { what: 'add a hand-made attribute', body: { ...(await gAdmin.get<Record<string, unknown>>(`/groups/${oref.id}`, { what: 'group' })).body, attributes: { flagless_source_id: ['org_groups_sync'], 'metadata.tier': ['gold'], by_hand: ['kept'] } } });
    const renamed = await g.updateOrganization(oref, { ...org, name: 'Groups After', metadata: { tier: 'platinum' } });
    assert.deepEqual([renamed.id, renamed.name], [oref.id, 'Groups After']);
    const { body: stored } = await gAdmin.get<{ name: string; attributes: Record<string, string[]> }>(`/groups/${oref.id}`, { what: 'group' });
    assert.equal(stored.name, 'Groups After');
    assert.deepEqual(stored.attributes, { flagless_source_id: ['org_groups_sync'], 'metadata.tier': ['platinum'], by_hand: ['kept'] }, "flagless's attributes replaced, the hand-made one kept");
    const writes = g.stats.writes;
    await g.updateOrganization(oref, { ...org, name: 'Groups After', metadata: { tier: 'platinum' } });
    assert.equal(g.stats.writes, writes, 'a repeat writes nothing');
    assert.equal((await g.findOrganization({ externalId: 'org_groups_sync', name: '' }))?.name, 'Groups After');
    assert.ok((await g.getUser(member))?.memberships.some((m) => m.organizationId === oref.id), 'the member stays');
    assert.equal(await g.deleteOrganization(oref), 'deleted');
    assert.equal(await g.findOrganization({ externalId: 'org_groups_sync', name: 'Groups After' }), undefined);
    assert.equal((await g.getUser(member))?.memberships.some((m) => m.organizationId === oref.id), false, 'its memberships went with it');
    assert.equal(await g.deleteOrganization(oref), 'absent');
  });

  test('findUser by source id then email is reads only; listUsers sees what was written', async () => {
    const writes = t.stats.writes;
    for (const [sourceId, ref] of refs) assert.equal((await t.findUser({ externalId: sourceId }))?.id, ref.id);
    const someone = [...exports.get('auth0')!.users].find((u) => refs.has(u.sourceId) && primaryEmail(u))!;
    assert.equal((await t.findUser({ externalId: 'not-there', email: primaryEmail(someone)!.address.toUpperCase() }))?.id, refs.get(someone.sourceId)!.id);
    assert.equal(await t.findUser({ externalId: 'not-there' }), undefined);
    assert.equal(t.stats.writes, writes);
    const listed = new Map<string, { externalId?: string; metadata?: Record<string, unknown> }>();
    for await (const v of t.listUsers()) listed.set(v.id, v);
    for (const [sourceId, ref] of refs) assert.equal(listed.get(ref.id)?.externalId, sourceId);
    const withMetadata = exports.get('clerk')!.users.find((u) => Object.keys(u.metadata.public).length && refs.has(u.sourceId))!;
    const md = listed.get(refs.get(withMetadata.sourceId)!.id)!.metadata!;
    for (const [k, v] of Object.entries({ ...withMetadata.metadata.public, ...withMetadata.metadata.private })) {
      assert.equal(md[k], typeof v === 'string' ? v : JSON.stringify(v), `metadata.${k}`);
    }
  });

  test("missing passwords: 'reset' requires UPDATE_PASSWORD, 'jit' stores none; setPassword moves a password and clears the action", async () => {
    const mk = (id: string) => ({ ...emptyUser(id), passwordPlan: 'jit' as const, emails: [{ address: `${id}@example.com`, normalized: `${id}@example.com`, verified: true, primary: true }] });
    const reset = await t.createUser(mk('reset-user'), { includePasswordHash: false, missingPassword: 'reset' });
    const jit = await t.createUser(mk('jit-user'), { includePasswordHash: false, missingPassword: 'jit' });
    const read = async (id: string) => (await admin.get<{ requiredActions?: string[] }>(`/users/${id}`, { what: 'user' })).body;
    assert.deepEqual((await read(reset.id)).requiredActions, ['UPDATE_PASSWORD']);
    assert.deepEqual((await read(jit.id)).requiredActions, []);
    assert.deepEqual(await getStoredCredentials(conn, realm, jit.id), []);
    assert.equal((await t.login('jit-user@example.com', 'Jit-Moved-Pw-1')).ok, false);
    await t.setPassword(jit, 'Jit-Moved-Pw-1');
    await t.setPassword(reset, 'Reset-Moved-Pw-1');
    assert.equal((await t.login('jit-user@example.com', 'Jit-Moved-Pw-1')).ok, true);
    assert.equal((await t.login('reset-user@example.com', 'Reset-Moved-Pw-1')).ok, true);
    assert.deepEqual((await read(reset.id)).requiredActions, []);
  });

  test('linking an existing account: found by email, updated in place (username kept, source id set, source password in force)', async () => {
    const made = await admin.request('POST', '/users', {
      what: 'signup',
      body: { username: 'signed-up-meanwhile', email: 'Linked@Example.com', enabled: true, emailVerified: true, attributes: { department: ['R&D'] }, credentials: [{ type: 'password', value: 'Own-New-Pw-1', temporary: false }] },
    });
    const found = await t.findUser({ externalId: 'user_linked', email: 'linked@example.com' });
    assert.deepEqual(found, { id: made.createdId, email: 'linked@example.com' });
    const u: CanonicalUser = {
      ...emptyUser('user_linked'),
      emails: [{ address: 'linked@example.com', normalized: 'linked@example.com', verified: false, primary: true }],
      firstName: 'Lin',
      password: await hashPassword('bcrypt', 'Source-Old-Pw-1', { cost: 4 }),
      passwordPlan: 'import',
      identities: [{ provider: 'github', providerUserId: '4242', kind: 'social' }],
      metadata: { public: { plan: 'pro' }, private: {} },
    };
    await t.updateUser(found!, u, IMPORT);
    const { body } = await admin.get<{ username: string; emailVerified: boolean; firstName: string; attributes: Record<string, string[]> }>(`/users/${made.createdId}`, { what: 'user' });
    assert.equal(body.username, 'signed-up-meanwhile');
    assert.equal(body.emailVerified, true, 'never un-verified');
    assert.equal(body.firstName, 'Lin');
    assert.deepEqual(body.attributes, { department: ['R&D'], flagless_source_id: ['user_linked'], 'metadata.plan': ['pro'] });
    assert.equal((await t.findUser({ externalId: 'user_linked' }))?.id, made.createdId);
    assert.equal((await t.login('linked@example.com', 'Source-Old-Pw-1')).ok, true);
    assert.equal((await t.login('linked@example.com', 'Own-New-Pw-1')).ok, false);
    assert.equal((await getStoredCredentials(conn, realm, made.createdId!)).filter((c) => c.type === 'password').length, 1);
    assert.deepEqual((await t.getUser({ id: made.createdId! }))!.identities, [{ provider: 'github', providerUserId: '4242' }]);
  });

  test('a partial-import batch is all or nothing; refusals never carry secrets', async () => {
    const hash = await hashPassword('bcrypt', 'Batch-Pw-1', { cost: 4 });
    const mk = (id: string, email: string): CanonicalUser => ({
      ...emptyUser(id),
      emails: [{ address: email, normalized: email.toLowerCase(), verified: true, primary: true }],
      password: hash,
      passwordPlan: 'import',
    });
    const batch = [mk('batch-1', 'batch-1@example.com'), mk('batch-2', 'linked@example.com'), mk('batch-3', 'batch-3@example.com')];
    const e = await failure(t.createUsers(batch.map((user) => ({ user, options: IMPORT }))));
    assert.equal(e.code, 'E_TARGET_CONFLICT');
    assert.equal(await t.findUser({ externalId: 'batch-1' }), undefined, 'nothing of the batch was written');
    const invalid = await failure(t.createUser(mk('bad-email', 'not an email@@example'), IMPORT));
    assert.equal(invalid.code, 'E_TARGET_VALIDATION');
    assert.equal(invalid.errorClass, 'skippable');
    assert.ok(!invalid.message.includes(hash.phc.reveal()) && !invalid.message.includes('Batch-Pw-1'));
    const conflict = await failure(t.createUser(mk('dup', 'batch-1@example.com'), IMPORT).then(() => t.createUser(mk('dup2', 'BATCH-1@example.com'), IMPORT)));
    assert.equal(conflict.code, 'E_TARGET_CONFLICT');
  });

  test('flagless migrate --to keycloak twice (the second run writes nothing), then verify --logins passes', async () => {
    const clerk = await SOURCE_MODULES.clerk();
    const file = join(dir, 'cli-users.csv');
    const logins = join(dir, 'cli-logins.csv');
    await clerk.generate({ users: 60, out: file, plaintexts: logins, seed: 21, clean: true });
    const e2eRealm = `flagless-cli-${process.pid}-${randomBytes(3).toString('hex')}`;
    extraRealms.push(e2eRealm);
    // From source (tsx) or compiled (npm test runs dist/).
    const entry = new URL(`../engine/cli-entry.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).pathname;
    const cli = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [...process.execArgv, entry, ...args], { env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.on('exit', (code) => resolve({ code, stdout, stderr }));
      });
    const source = ['--from', 'clerk', '--file', file, '--api-dump', join(dir, 'cli-users.api.json')];
    const target = ['--to', 'keycloak', '--realm', e2eRealm];
    const state = join(dir, 'cli-state.db');
    const first = await cli(['migrate', ...source, ...target, '--state', state, '--json']);
    assert.equal(first.code, 0, first.stderr + first.stdout);
    const s1 = JSON.parse(first.stdout) as MigrateSummary;
    assert.equal(s1.complete, true);
    assert.ok(s1.users.created >= 50, `${s1.users.created} users created`);
    assert.ok(s1.organizations.created > 0 && s1.memberships.created > 0);
    // One by one, users alone would take as many write requests as there are users; in batches of 10 they take a tenth.
    const oneByOne = s1.users.created + s1.organizations.created + 2 * s1.memberships.created;
    assert.ok(s1.writes < oneByOne, `users went in batches: ${s1.writes} write requests, one by one ≥ ${oneByOne}`);

    const second = await cli(['migrate', ...source, ...target, '--state', state, '--json']);
    assert.equal(second.code, 0, second.stderr);
    const s2 = JSON.parse(second.stdout) as MigrateSummary;
    assert.equal(s2.writes, 0, 'the second run writes nothing');
    assert.equal(s2.users.created, s1.users.created);

    const v = await cli(['verify', ...source, ...target, '--logins', logins, '--json']);
    const report = JSON.parse(v.stdout) as VerifyReport;
    assert.equal(v.code, 0, JSON.stringify(report.counts) + JSON.stringify(report.mismatches.slice(0, 5)) + JSON.stringify(report.logins?.failed) + v.stderr);
    assert.equal(report.ok, true);
    assert.ok(report.logins!.succeeded >= 40, `${report.logins!.succeeded} sign-ins`);
    assert.equal(report.logins!.failedCount, 0);
    const passwords = parse(readFileSync(logins), { columns: true }) as { password: string }[];
    for (const p of passwords) assert.ok(!v.stdout.includes(p.password) && !first.stdout.includes(p.password), 'a password leaked into the output');

    const bad = join(dir, 'cli-bad-logins.csv');
    const firstLogin = readFileSync(logins, 'utf8').split('\n')[1]!.split(',')[0]!;
    writeFileSync(bad, `identifier,password\n${firstLogin},definitely-wrong-Pw1!\n`);
    const v2 = await cli(['verify', ...source, ...target, '--logins', bad, '--json']);
    assert.equal(v2.code, 1);
    assert.equal((JSON.parse(v2.stdout) as VerifyReport).logins!.failed[0]!.identifier, firstLogin);
  });
});
