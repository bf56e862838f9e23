/**
 * The one conformance suite every source connector passes. A vendor's test file is two lines:
 *   import { runSourceConformance } from './source-suite.js';
 *   runSourceConformance({ vendor: 'clerk', load: () => import('../../src/connectors/clerk/index.js') });
 * Everything is exercised through the connector's own generator, so the suite needs no fixtures.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { SourceModule } from '../../src/connectors/index.js';
import { SOURCE_MODULES, SOURCE_VENDORS, type KnownSourceVendor as SourceVendor } from '../../src/connectors/index.js';
import { assess } from '../../src/engine/assess/assess.js';
import { normalizeEmail } from '../../src/model/email.js';
import { verifyPassword } from '../../src/model/password/index.js';
import type { CanonicalUser } from '../../src/model/user.js';
import { ERROR_CODES, FlaglessError } from '../../src/protocol/errors.js';
import type { GenerateResult } from '../../src/protocol/generate.js';
import type { Problem } from '../../src/protocol/problem.js';
import type { SourceOptions } from '../../src/protocol/source.js';

export interface ConformanceSubject {
  vendor: SourceVendor;
  load: () => Promise<SourceModule>;
}

interface ReadResult {
  users: CanonicalUser[];
  organizations: number;
  problems: Problem[];
}

export function optionsFor(result: GenerateResult): SourceOptions {
  const options: SourceOptions = {};
  for (const f of result.files) {
    if (f.role === 'export') options.file = f.path;
    else if (f.role === 'passwords') options.passwords = f.path;
    else if (f.role === 'hash-config') options.hashConfig = f.path;
    else if (f.role === 'api-dump') options.apiDump = f.path;
  }
  return options;
}

async function readAll(mod: SourceModule, options: SourceOptions): Promise<ReadResult> {
  const out: ReadResult = { users: [], organizations: 0, problems: [] };
  for await (const item of mod.source.open(options).read()) {
    if (item.type === 'user') out.users.push(item.user);
    else if (item.type === 'organization') out.organizations++;
    else out.problems.push(item.problem);
  }
  return out;
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof FlaglessError, `expected a FlaglessError ${code}, got ${String(e)}`);
    assert.equal(e.code, code);
    return true;
  });
}

/** The file extension each vendor's export usually has (some readers look at it). */
const EXPORT_EXTENSION: Record<SourceVendor, string> = { clerk: 'csv', auth0: 'ndjson', firebase: 'json', cognito: 'json' };

export function runSourceConformance(subject: ConformanceSubject): void {
  describe(`source conformance: ${subject.vendor}`, () => {
    let dir: string;
    let mod: SourceModule;
    let clean: GenerateResult;
    let traps: GenerateResult;
    const USERS = 300;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `flagless-conf-${subject.vendor}-`));
      mod = await subject.load();
      const ext = EXPORT_EXTENSION[subject.vendor];
      clean = await mod.generate({ users: USERS, out: join(dir, `clean.${ext}`), seed: 7, clean: true, plaintexts: join(dir, 'clean-logins.csv') });
      traps = await mod.generate({ users: USERS, out: join(dir, `traps.${ext}`), seed: 8, plaintexts: join(dir, 'traps-logins.csv') });
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('declares itself', () => {
      assert.equal(mod.source.vendor, subject.vendor);
      assert.ok(mod.source.displayName.length > 0);
      assert.ok(mod.source.formats.length > 0);
      assert.equal(typeof mod.generate, 'function');
    });

    it('reads back exactly the users it generated, each well formed', async () => {
      assert.equal(clean.users, USERS);
      const r = await readAll(mod, optionsFor(clean));
      assert.equal(r.users.length, USERS);
      assert.equal(new Set(r.users.map((u) => u.sourceId)).size, USERS, 'source ids are unique');
      assert.deepEqual(r.problems.filter((p) => p.severity === 'error'), [], 'a clean export has no error problems');
      for (const u of r.users) {
        assert.ok(u.sourceId, 'every user has a source id');
        assert.ok(u.emails.filter((e) => e.primary).length <= 1, `${u.sourceId}: at most one primary email`);
        for (const e of u.emails) assert.equal(e.normalized, normalizeEmail(e.address));
        if (u.passwordPlan === 'import') assert.ok(u.password, `${u.sourceId}: plan import has a hash`);
        if (u.password) assert.equal(u.passwordPlan, 'import');
        assert.ok(Array.isArray(u.lossy));
      }
    });

    it('is deterministic for a seed', async () => {
      const again = await mod.generate({ users: USERS, out: join(dir, `again.${EXPORT_EXTENSION[subject.vendor]}`), seed: 7, clean: true });
      assert.equal(readFileSync(again.files[0]!.path, 'utf8'), readFileSync(clean.files[0]!.path, 'utf8'));
    });

    it('generated plaintexts verify against the hashes it reads, and wrong ones do not', async () => {
      const rows = parse(readFileSync(join(dir, 'clean-logins.csv'), 'utf8'), { columns: true }) as { identifier: string; password: string }[];
      const r = await readAll(mod, optionsFor(clean));
      const withHash = r.users.filter((u) => u.password);
      if (withHash.length === 0) {
        assert.equal(rows.length, 0, 'no importable hashes, so no plaintexts');
        return;
      }
      assert.ok(rows.length > 0, 'plaintexts were written');
      const byId = new Map<string, CanonicalUser>();
      for (const u of withHash) {
        for (const e of u.emails) byId.set(e.address, u);
        if (u.username) byId.set(u.username, u);
      }
      for (const row of rows.slice(0, 6)) {
        const user = byId.get(row.identifier);
        assert.ok(user?.password, `plaintext identifier ${row.identifier} names a user with a hash`);
        assert.equal(await verifyPassword(user.password, row.password), true, `${row.identifier}: right password verifies`);
        assert.equal(await verifyPassword(user.password, row.password + 'x'), false, `${row.identifier}: wrong password fails`);
      }
    });

    it('keeps secrets out of serialised records and problem messages', async () => {
      const r = await readAll(mod, optionsFor(traps));
      const secrets: string[] = [];
      for (const u of r.users) {
        if (u.password) secrets.push(u.password.phc.reveal());
        for (const f of u.mfa) if (f.secret) secrets.push(f.secret.reveal());
      }
      const text = JSON.stringify(r.users) + JSON.stringify(r.problems);
      for (const s of secrets) assert.ok(!text.includes(s), 'a secret leaked into JSON');
    });

    it('reports its traps as problems with codes, and assess finds the duplicate emails', async () => {
      const r = await readAll(mod, optionsFor(traps));
      for (const p of r.problems) {
        assert.ok(p.code in ERROR_CODES, `problem code ${p.code} is declared`);
        assert.ok(p.message.length > 0);
        if (p.code === 'E_SOURCE_PARSE') assert.ok(p.line && p.line > 0, 'parse problems carry a line');
      }
      const planted = Object.values(traps.traps).reduce((a, b) => a + b, 0);
      const report = await assess(mod.source.open(optionsFor(traps)), { targets: [] });
      const dupKey = Object.keys(traps.traps).find((k) => /dup.*email|email.*dup/i.test(k));
      if (dupKey && traps.traps[dupKey]! > 0) assert.ok(report.duplicateEmailGroups >= 1, 'duplicate emails are found');
      if (planted > 0) assert.ok(report.problemCount > 0, 'planted traps surface as problems');
      assert.equal(report.users, traps.users);
    });

    it('fails clearly on an empty file and an unreadable path', async () => {
      const empty = join(dir, 'empty.export');
      writeFileSync(empty, '');
      await expectCode(readAll(mod, { ...optionsFor(clean), file: empty }), 'E_INPUT_EMPTY');
      await expectCode(readAll(mod, { ...optionsFor(clean), file: join(dir, 'does-not-exist') }), 'E_INPUT_UNREADABLE');
    });

    it("recognises its own files and not other vendors' files", async () => {
      const own = readFileSync(clean.files[0]!.path, 'utf8').slice(0, 8192);
      assert.equal(mod.source.sniff(own), true);
      for (const other of SOURCE_VENDORS.filter((v) => v !== subject.vendor)) {
        const otherMod = await SOURCE_MODULES[other]();
        const res = await otherMod.generate({ users: 5, out: join(dir, `other-${other}.${EXPORT_EXTENSION[other]}`), seed: 1, clean: true });
        const head = readFileSync(res.files[0]!.path, 'utf8').slice(0, 8192);
        assert.equal(mod.source.sniff(head), false, `${subject.vendor} must not claim a ${other} export`);
      }
    });

    it('turns garbage into problems or a FlaglessError, never a crash', async () => {
      const junk = join(dir, 'junk.export');
      writeFileSync(junk, 'this is not an export\n\u0000\u0001{"half": [\n"quoted, "broken\n');
      try {
        const r = await readAll(mod, { ...optionsFor(clean), file: junk });
        assert.ok(r.problems.length > 0, 'garbage yields problems');
      } catch (e) {
        assert.ok(e instanceof FlaglessError, `expected FlaglessError, got ${String(e)}`);
      }
    });
  });
}
