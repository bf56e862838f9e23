import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { betterAuthCapabilities } from '../../src/connectors/better-auth/capabilities.js';
import { keycloakCapabilities } from '../../src/connectors/keycloak/capabilities.js';
import { workosCapabilities } from '../../src/connectors/workos/capabilities.js';
import { assess } from '../../src/engine/assess/assess.js';
import { SeenIndex } from '../../src/lib/io/seen-index.js';
import { UserFacts } from '../../src/engine/assess/target-fit.js';
import { normalizeEmail } from '../../src/model/email.js';
import { hashPassword } from '../../src/model/password/index.js';
import { Secret } from '../../src/model/secret.js';
import { emptyUser, type CanonicalUser } from '../../src/model/user.js';
import type { Source, SourceItem } from '../../src/protocol/source.js';

function user(id: string, email: string | undefined, extra: Partial<CanonicalUser> = {}): CanonicalUser {
  const u = emptyUser(id);
  if (email) u.emails.push({ address: email, normalized: normalizeEmail(email), verified: true, primary: true });
  return { ...u, ...extra };
}

function sourceOf(items: SourceItem[]): Source {
  return {
    vendor: 'clerk',
    async *read() {
      yield* items;
    },
  };
}

describe('SeenIndex', () => {
  it('finds every repeat and no false repeat among 300k keys, remembering the first holder', () => {
    const idx = new SeenIndex(16);
    for (let i = 0; i < 300_000; i++) assert.equal(idx.add(`user${i}@example.com`, i + 1, `id${i}`), undefined);
    assert.equal(idx.size, 300_000);
    for (const i of [0, 1, 4242, 299_999]) assert.deepEqual(idx.add(`user${i}@example.com`, 7, 'other'), { label: `id${i}`, line: i + 1 });
    idx.close();
  });

  it('keeps labels of any length and script, whether still buffered or already on disk', () => {
    const idx = new SeenIndex();
    const labels = ['é-ünïcødé-🙂', 'x'.repeat(70_000), 'short', 'y'.repeat(30_000), 'last'];
    labels.forEach((label, i) => assert.equal(idx.add(`k${i}`, i + 1, label), undefined));
    // The last label is still in the write buffer; the long ones went to disk.
    labels.forEach((label, i) => assert.deepEqual(idx.add(`k${i}`, 99, 'again'), { label, line: i + 1 }));
    assert.equal(idx.add('no-label', 5), undefined);
    assert.deepEqual(idx.add('no-label', 6, 'late'), { label: '', line: 5 });
    idx.close();
  });
});

describe('UserFacts.metadataOver', () => {
  it('agrees with the serialized size for every limit, whether the shortcut or JSON.stringify decides', () => {
    const cases: CanonicalUser['metadata'][] = [
      { public: {}, private: {} },
      { public: { locale: 'en', theme: 'dark' }, private: { plan: 'pro', seats: 12, trial: false, ref: null } },
      { public: { 'quote"and\\slash': 'tab\tnew\nline\u0001', emoji: '🙂🙂', accents: 'Zoë Ærø' }, private: { big: -1.2345678901234567e-308, n: Number.NaN } },
      { public: { nested: { deep: [1, 2, 3] } }, private: { gone: undefined } },
      { public: { long: 'x'.repeat(700) }, private: {} },
    ];
    for (const metadata of cases) {
      const exact = Buffer.byteLength(JSON.stringify(metadata));
      for (const max of [0, 10, exact - 1, exact, exact + 1, 200, 6400]) {
        const facts = new UserFacts({ ...emptyUser('u'), metadata });
        assert.equal(facts.metadataOver(max), exact > max, `${JSON.stringify(metadata)} against ${max}`);
      }
    }
  });
});

describe('assess', () => {
  it('counts, finds duplicate emails across case and whitespace, and judges each target by capability', async () => {
    const bcrypt = await hashPassword('bcrypt', 'pw-one-two', { cost: 4 });
    const pbkdf2 = await hashPassword('pbkdf2-sha256', 'pw-three', { i: 1000 });
    const items: SourceItem[] = [
      { type: 'organization', organization: { sourceId: 'org_1', name: 'Acme', metadata: {} } },
      { type: 'user', line: 2, user: user('u1', 'Ada@Example.com', { password: bcrypt, passwordPlan: 'import', memberships: [{ organizationId: 'org_1', roles: ['admin'] }] }) },
      { type: 'user', line: 3, user: user('u2', ' ada@example.COM ', { passwordPlan: 'jit' }) },
      { type: 'user', line: 4, user: user('u3', 'grace@example.com', { password: pbkdf2, passwordPlan: 'import', mfa: [{ kind: 'totp', secret: new Secret('JBSWY3DPEHPK3PXP') }] }) },
      { type: 'user', line: 5, user: user('u4', 'linus@example.com', { identities: [{ provider: 'github', providerUserId: '1', kind: 'social' }], disabled: true }) },
      { type: 'user', line: 6, user: user('u5', undefined, { phones: [{ number: '+15550000000', verified: true, primary: true }], mfa: [{ kind: 'sms', phoneNumber: '+15550000000' }] }) },
      { type: 'problem', problem: { code: 'E_PASSWORD_ORPHAN', message: 'orphan', line: 9, severity: 'warning' } },
    ];
    const r = await assess(sourceOf(items), { targets: [workosCapabilities, keycloakCapabilities, betterAuthCapabilities] });
    assert.equal(r.users, 5);
    assert.equal(r.withPassword, 3);
    assert.deepEqual(r.hashAlgorithms, { bcrypt: 1, 'pbkdf2-sha256': 1 });
    assert.deepEqual(r.mfa, { totp: 1, totpWithSecret: 1, sms: 1, other: 0 });
    assert.equal(r.socialOnly, 1);
    assert.equal(r.disabled, 1);
    assert.equal(r.withoutEmail, 1);
    assert.equal(r.organizations, 1);
    assert.equal(r.memberships, 1);
    assert.equal(r.passwordsWithoutUser, 1);
    assert.equal(r.duplicateEmailGroups, 1);
    assert.deepEqual(r.duplicateEmails[0]!.users.map((u) => u.sourceId), ['u1', 'u2']);
    assert.equal(r.problemsByCode.E_DUPLICATE_EMAIL, 1);
    const [workos, keycloak, betterAuth] = r.targets;
    // WorkOS: bcrypt native, PBKDF2 not accepted → JIT; SMS, social links, disabled flag are lost; TOTP secrets are enrolled as factors.
    assert.deepEqual(workos!.passwords, { native: 1, withExtension: 0, jitOrReset: 2, none: 2 });
    assert.equal(workos!.lost.totpFactors, 0);
    assert.equal(workos!.lost.socialLinks, 1);
    assert.equal(workos!.lost.disabledFlags, 1);
    // Keycloak: PBKDF2 native, bcrypt through the extension; TOTP secrets and social links kept.
    assert.deepEqual(keycloak!.passwords, { native: 1, withExtension: 1, jitOrReset: 1, none: 2 });
    assert.equal(keycloak!.lost.totpFactors, 0);
    assert.equal(keycloak!.lost.socialLinks, 0);
    assert.equal(betterAuth!.passwords.withExtension, 2);
    // Nothing secret in the report.
    const text = JSON.stringify(r);
    assert.ok(!text.includes(bcrypt.phc.reveal()) && !text.includes('JBSWY3DPEHPK3PXP'));
  });

  it('counts every holder of an address shared by many but lists the first fifty, in file order', async () => {
    const items: SourceItem[] = [];
    for (let i = 1; i <= 60; i++) items.push({ type: 'user', line: i + 1, user: user(`u${i}`, i % 2 ? 'NoEmail@Company.com' : 'noemail@company.com ') });
    items.push({ type: 'user', line: 62, user: user('solo', 'solo@example.com') });
    const r = await assess(sourceOf(items), { targets: [workosCapabilities] });
    assert.equal(r.duplicateEmailGroups, 1);
    assert.equal(r.usersInDuplicateGroups, 60);
    const group = r.duplicateEmails[0]!;
    assert.equal(group.count, 60);
    assert.deepEqual(group.users.map((u) => u.sourceId), Array.from({ length: 50 }, (_, i) => `u${i + 1}`));
    assert.equal(group.users[0]!.line, 2);
    const problem = r.problems.find((p) => p.code === 'E_DUPLICATE_EMAIL')!;
    assert.match(problem.message, /^60 users share the email noemail@company\.com \(u1, u2, .*u50 and 10 more\)/);
    assert.equal(problem.line, 2);
  });
});
