import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromFirebaseScrypt, hashPassword, verifyPassword } from '../../model/password/index.js';
import { emptyUser, type CanonicalUser } from '../../model/user.js';
import type { CreateUserOptions } from '../../protocol/target.js';
import { workosCapabilities } from './capabilities.js';
import { WORKOS_HASH_TYPES, WORKOS_TYPE_ALGORITHMS, decodeWorkosHash, encodeForWorkos } from './hash-types.js';
import { toWorkosMetadata, toWorkosOrganization, toWorkosRoleSlug, toWorkosRoleSlugs, toWorkosUser, workosTotpSecrets } from './map.js';
import { secret } from '../../model/secret.js';
import { validateUserBody } from './sim/validate.js';
import { FIREBASE_SAMPLE } from '../../../test/helpers/vectors.js';

const IMPORT: CreateUserOptions = { includePasswordHash: true, missingPassword: 'jit' };

function user(extra: Partial<CanonicalUser> = {}): CanonicalUser {
  return {
    ...emptyUser('user_2abc'),
    emails: [{ address: ' Grace@Example.com ', normalized: 'grace@example.com', verified: true, primary: true }],
    ...extra,
  };
}

describe('WorkOS map: users', () => {
  it('maps the primary email as given, the verified flag, names and the source id as external_id', () => {
    const plan = toWorkosUser(user({ firstName: 'Grace', lastName: 'Hopper' }), IMPORT)!;
    assert.deepEqual(plan.body, { email: 'Grace@Example.com', emailVerified: true, firstName: 'Grace', lastName: 'Hopper', externalId: 'user_2abc' });
    assert.deepEqual(plan.lossy, []);
  });

  it('splits a lone display name; keeps extra emails in metadata; notes an external id too long for WorkOS', () => {
    const u = user({
      sourceId: 'x'.repeat(65),
      displayName: 'Grace Brewster Hopper',
      emails: [
        { address: 'a@example.com', normalized: 'a@example.com', verified: false, primary: false },
        { address: 'b@example.com', normalized: 'b@example.com', verified: true, primary: true },
      ],
    });
    const plan = toWorkosUser(u, IMPORT)!;
    assert.equal(plan.body.email, 'b@example.com');
    assert.equal(plan.body.firstName, 'Grace Brewster');
    assert.equal(plan.body.lastName, 'Hopper');
    assert.equal(plan.body.externalId, undefined);
    assert.deepEqual(plan.lossy.map((n) => n.field).sort(), ['externalId']);
    assert.deepEqual(plan.body.metadata, { additional_emails: '["a@example.com"]' }, 'WorkOS keeps one email: the others travel in metadata');
    assert.equal(toWorkosUser({ ...emptyUser('u') }, IMPORT), undefined, 'no email: nothing to send');
  });

  it('metadata: one flat map of ASCII strings, source external id first, private merged over public', () => {
    const plan = toWorkosUser(
      user({ externalId: 'app-7', metadata: { public: { plan: 'pro', n: 3, flags: { beta: true }, shared: 'pub' }, private: { shared: 'priv', stripe: 'cus_9' } } }),
      IMPORT,
    )!;
    assert.deepEqual(plan.body.metadata, { source_external_id: 'app-7', plan: 'pro', n: '3', flags: '{"beta":true}', shared: 'priv', stripe: 'cus_9' });
    assert.deepEqual(plan.lossy, [{ field: 'metadata', reason: 'WorkOS metadata values are ASCII strings; stored as JSON text: n, flags' }]);
    // The body passes the simulator's (= WorkOS's documented) validation.
    assert.doesNotThrow(() => validateUserBody({ email: plan.body.email, metadata: plan.body.metadata }, 'create'));
  });

  it('username, phone numbers and other emails travel in metadata under documented keys; never a hash or a TOTP secret', async () => {
    const bcrypt = await hashPassword('bcrypt', 'pw', { cost: 4 });
    const u = user({
      username: 'ada_l',
      phones: [{ number: '+15555550100', verified: true, primary: true }, { number: '+442071838750', verified: false, primary: false }],
      emails: [
        { address: 'ada@example.com', normalized: 'ada@example.com', verified: true, primary: true },
        { address: 'ada@work.example', normalized: 'ada@work.example', verified: true, primary: false },
      ],
      metadata: { public: { username: 'clash', plan: 'pro' }, private: {} },
      mfa: [{ kind: 'totp', secret: secret('JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP') }],
      password: bcrypt,
      passwordPlan: 'import',
    });
    const plan = toWorkosUser(u, IMPORT)!;
    assert.deepEqual(plan.body.metadata, {
      username: 'ada_l',
      phone_numbers: '["+15555550100","+442071838750"]',
      additional_emails: '["ada@work.example"]',
      plan: 'pro',
    });
    assert.deepEqual(plan.lossy.map((n) => n.field), ['metadata.username'], 'only the clashing metadata key is lost');
    const text = JSON.stringify(plan.body.metadata);
    assert.ok(!text.includes('JBSWY3DP') && !text.includes(bcrypt.phc.reveal()), 'no secret in metadata');
    assert.deepEqual(workosTotpSecrets(u), ['JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP']);
    const bad = toWorkosUser(user({ mfa: [{ kind: 'totp', secret: secret('not base32!') }] }), IMPORT)!;
    assert.deepEqual(bad.lossy.map((n) => n.field), ['mfa.totp']);
    assert.deepEqual(workosTotpSecrets(user({ mfa: [{ kind: 'totp', secret: secret('not base32!') }] })), []);
    assert.doesNotThrow(() => validateUserBody({ email: plan.body.email, metadata: plan.body.metadata }, 'create'));
  });

  it('metadata over the limits: the 11th key, a long key, a long value are named, never their values', () => {
    const entries: [string, unknown][] = Array.from({ length: 12 }, (_, i) => [`k${i}`, `v${i}`]);
    entries.splice(2, 0, ['k'.repeat(41), 'secret-ish'], ['long', 'y'.repeat(601)], ['café', 'x'], ['name', 'Zoë']);
    const { metadata, lossy } = toWorkosMetadata(entries);
    assert.equal(Object.keys(metadata).length, 10);
    assert.equal(metadata.name, '"Zo\\u00eb"', 'non-ASCII text is stored as \\u-escaped JSON');
    assert.deepEqual(JSON.parse(metadata.name!), 'Zoë');
    const text = JSON.stringify(lossy);
    assert.match(text, /at most 10 metadata keys; not moved: k9, k10, k11/);
    assert.match(text, /metadata\.long/);
    assert.ok(!text.includes('secret-ish') && !text.includes('yyyy'), 'values never appear in notes');
    assert.doesNotThrow(() => validateUserBody({ email: 'a@example.com', metadata }, 'create'));
  });

  it('sends the hash of every WorkOS type; none when the engine says not to; notes a hash with no WorkOS form', async () => {
    const bcrypt = await hashPassword('bcrypt', 'pw', { cost: 4 });
    const withHash = { ...user(), password: bcrypt, passwordPlan: 'import' as const };
    const plan = toWorkosUser(withHash, IMPORT)!;
    assert.equal(plan.body.passwordHash, bcrypt.phc.reveal(), 'bcrypt MCF as is');
    assert.equal(plan.body.passwordHashType, 'bcrypt');
    assert.equal(toWorkosUser(withHash, { includePasswordHash: false, missingPassword: 'jit' })!.body.passwordHash, undefined);
    const pbkdf2 = await hashPassword('pbkdf2-sha256', 'pw');
    const none = toWorkosUser({ ...user(), password: pbkdf2, passwordPlan: 'import' }, { includePasswordHash: true, missingPassword: 'reset' })!;
    assert.equal(none.body.passwordHash, undefined);
    assert.match(none.lossy[0]!.reason, /pbkdf2-sha256 hash has no form WorkOS accepts; the user must reset/);
  });
});

describe('WorkOS hash strings', () => {
  it('firebase-scrypt goes in the official importer form (padded base64) and round-trips', async () => {
    const h = fromFirebaseScrypt(FIREBASE_SAMPLE);
    const encoded = encodeForWorkos(h)!;
    assert.equal(encoded.type, 'firebase-scrypt');
    assert.match(encoded.hash, /^\$firebase-scrypt\$hash=[A-Za-z0-9+/]+={0,2}\$salt=42xEC\+ixf3L2lw==\$sk=[A-Za-z0-9+/]+={0,2}\$ss=Bw==\$r=8\$m=14$/);
    // The published Firebase test vector: password "user1password".
    const back = decodeWorkosHash('firebase-scrypt', encoded.hash);
    assert.equal(await verifyPassword(back, 'user1password'), true);
    assert.equal(await verifyPassword(back, 'user1passwore'), false);
  });

  it('ssha is LDAP {SSHA} (sha1, salt after the digest); scrypt and argon2 are PHC strings', async () => {
    const ssha = encodeForWorkos(await hashPassword('ssha1', 'pw'))!;
    assert.match(ssha.hash, /^\{SSHA\}[A-Za-z0-9+/]+=*$/);
    assert.equal(Buffer.from(ssha.hash.slice(6), 'base64').length, 20 + 8);
    assert.match(encodeForWorkos(await hashPassword('scrypt', 'pw'))!.hash, /^\$scrypt\$ln=\d+,r=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/);
    assert.match(encodeForWorkos(await hashPassword('argon2id', 'pw'))!.hash, /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$/);
    assert.equal(encodeForWorkos(await hashPassword('ssha256', 'pw')), undefined, 'ssha256 is not claimed');
    assert.equal(encodeForWorkos(await hashPassword('ssha1', 'pw', { saltPosition: 'prefix' })), undefined);
  });

  it('a hash string of another type is refused', async () => {
    const argon = (await hashPassword('argon2id', 'pw')).phc.reveal();
    assert.throws(() => decodeWorkosHash('scrypt', argon));
    assert.throws(() => decodeWorkosHash('bcrypt', argon));
  });

  it('capabilities claim exactly the algorithms the WorkOS types carry', () => {
    const carried = WORKOS_HASH_TYPES.flatMap((t) => WORKOS_TYPE_ALGORITHMS[t]).sort();
    assert.deepEqual([...workosCapabilities.nativeHashes].sort(), carried);
  });
});

describe('WorkOS map: organizations and roles', () => {
  it('organization: name, external_id = source id, slug and source external id kept in metadata', () => {
    const { body, lossy } = toWorkosOrganization({ sourceId: 'org_2x', name: ' Acme ', slug: 'acme', externalId: 'crm-9', metadata: { tier: 'gold' } });
    assert.deepEqual(body, { name: 'Acme', externalId: 'org_2x', metadata: { source_external_id: 'crm-9', slug: 'acme', tier: 'gold' } });
    assert.deepEqual(lossy, []);
  });

  it("role slugs: Clerk's org: prefix goes, lowercase, other characters become -", () => {
    assert.equal(toWorkosRoleSlug('org:admin'), 'admin');
    assert.equal(toWorkosRoleSlug('org:Billing Manager'), 'billing-manager');
    assert.equal(toWorkosRoleSlug('editor_v2'), 'editor_v2');
    assert.equal(toWorkosRoleSlug('org:'), undefined);
    assert.deepEqual(toWorkosRoleSlugs(['org:admin', 'admin', 'org:member']), ['admin', 'member']);
  });
});
