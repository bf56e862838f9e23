import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { verifyPassword } from '../../model/password/index.js';
import type { CanonicalUser } from '../../model/user.js';
import { isFlaglessError } from '../../protocol/errors.js';
import type { Problem } from '../../protocol/problem.js';
import type { SourceOptions } from '../../protocol/source.js';
import { generate, source } from './index.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'flagless-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Read {
  users: { user: CanonicalUser; line: number | undefined }[];
  problems: Problem[];
}

async function readAll(options: SourceOptions): Promise<Read> {
  const out: Read = { users: [], problems: [] };
  for await (const item of source.open(options).read()) {
    if (item.type === 'user') out.users.push({ user: item.user, line: item.line });
    else if (item.type === 'problem') out.problems.push(item.problem);
  }
  return out;
}

/** The error must come from the very first step of the iteration. */
async function firstStepFails(options: SourceOptions, code: string): Promise<void> {
  const it = source.open(options).read()[Symbol.asyncIterator]();
  await assert.rejects(it.next(), (e: unknown) => isFlaglessError(e) && e.code === code);
}

function write(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('firebase source: a generated export', () => {
  const N = 30_000;
  let out: string;
  let traps: Record<string, number>;
  before(async () => {
    out = join(dir, 'big', 'users.json');
    mkdirSync(join(dir, 'big'));
    const res = await generate({ users: N, out, seed: 42, plaintexts: join(dir, 'big', 'logins.csv') });
    traps = res.traps;
    assert.deepEqual(res.files.map((f) => f.role), ['export', 'hash-config', 'plaintexts']);
    assert.equal(res.files[1]?.path, join(dir, 'big', 'users.hash-config.json'));
  });

  it('streams every user with its line, in constant memory', async () => {
    // Collect garbage before each sample when the runner allows it (scripts/run-tests.js passes
    // --expose-gc), so the figure is what the reader holds, not what GC has not reclaimed yet.
    const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    let peak = 0;
    let users = 0;
    const problems: Problem[] = [];
    let lastLine = 0;
    for await (const item of source.open({ file: out, hashConfig: join(dir, 'big', 'users.hash-config.json') }).read()) {
      if (item.type === 'user') {
        users++;
        assert.ok((item.line ?? 0) > lastLine, 'lines increase');
        lastLine = item.line ?? 0;
        if (users % 2000 === 0) {
          gc();
          peak = Math.max(peak, process.memoryUsage().heapUsed - heapBefore);
        }
      } else if (item.type === 'problem') problems.push(item.problem);
    }
    assert.equal(users, N);
    // The export is ~12 MB of text; holding it, or the users, would show here.
    assert.ok(peak < 40_000_000, `heap grew by ${peak} bytes`);
    const codes = problems.map((p) => p.code).sort();
    assert.equal(codes.filter((c) => c === 'E_SOURCE_FIELD').length, 1, 'the malformed customAttributes');
    assert.equal(codes.filter((c) => c === 'E_NO_EMAIL').length, traps.phoneOnly);
    assert.ok(!codes.includes('E_HASH_CONFIG_MISSING'));
    assert.equal(traps.duplicateEmailGroups, 1);
    assert.equal(traps.malformedCustomAttributes, 1);
  });

  it('the generated hashes verify with their plaintexts (a sample), and the mix is as described', async () => {
    const logins = new Map(readFileSync(join(dir, 'big', 'logins.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',') as [string, string]));
    const { users } = await readAll({ file: out, hashConfig: join(dir, 'big', 'users.hash-config.json') });
    const withPassword = users.filter((u) => u.user.passwordPlan === 'import');
    assert.equal(withPassword.length, logins.size);
    assert.ok(withPassword.length / N > 0.75 && withPassword.length / N < 0.9, `${withPassword.length} password users`);
    const social = users.filter((u) => u.user.passwordPlan === 'none' && u.user.identities.length > 0);
    assert.ok(social.length / N > 0.1 && social.length / N < 0.2);
    assert.ok(users.some((u) => u.user.disabled));
    assert.ok(users.some((u) => u.user.mfa.some((f) => f.kind === 'totp')));
    assert.ok(users.some((u) => u.user.mfa.some((f) => f.kind === 'sms')));
    assert.ok(users.some((u) => Object.keys(u.user.metadata.private).length > 0));
    for (const { user } of withPassword.filter((_, i) => i % 4001 === 0)) {
      const plaintext = logins.get(user.emails[0]!.address);
      assert.ok(plaintext, 'every password user has a plaintext');
      assert.equal(await verifyPassword(user.password!, plaintext), true);
      assert.equal(await verifyPassword(user.password!, `${plaintext}x`), false);
    }
  });

  it('without --hash-config: one E_HASH_CONFIG_MISSING problem, hashed users planned for jit', async () => {
    const { users, problems } = await readAll({ file: out });
    const missing = problems.filter((p) => p.code === 'E_HASH_CONFIG_MISSING');
    assert.equal(missing.length, 1);
    assert.equal(missing[0]?.severity, 'error');
    assert.equal(users.length, N);
    assert.ok(users.every((u) => u.user.passwordPlan !== 'import'));
    assert.ok(users.filter((u) => u.user.passwordPlan === 'jit').length > N * 0.75);
  });

  it('is reproducible from the seed, and --clean plants no traps', async () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    await generate({ users: 50, out: a, seed: 's' });
    await generate({ users: 50, out: b, seed: 's' });
    assert.equal(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'));
    const clean = await generate({ users: 50, out: join(dir, 'clean.json'), seed: 's', clean: true });
    assert.equal(clean.traps.duplicateEmailGroups, undefined);
    assert.equal(clean.traps.malformedCustomAttributes, undefined);
    const { problems } = await readAll({ file: join(dir, 'clean.json'), hashConfig: join(dir, 'clean.hash-config.json') });
    assert.deepEqual(problems.filter((p) => p.code !== 'E_NO_EMAIL'), []);
  });
});

describe('firebase source: bad input', () => {
  let small: string;
  before(async () => {
    small = join(dir, 'small.json');
    await generate({ users: 12, out: small, seed: 9, clean: true });
  });

  it('a malformed user mid-file is reported with its line; the others are read', async () => {
    const lines = readFileSync(small, 'utf8').split('\n');
    const starts = lines.flatMap((l, i) => (l === '{' ? [i + 1] : []));
    const victim = starts[5]!; // line of the 6th user's opening brace
    const broken = lines.map((l, i) => (i + 1 === victim + 1 ? l.replace(/"localId": "([^"]+)",/, '"localId": $1,') : l));
    const file = write('broken.json', broken.join('\n'));
    const { users, problems } = await readAll({ file });
    assert.equal(users.length, 11);
    const parse = problems.filter((p) => p.code === 'E_SOURCE_PARSE');
    assert.equal(parse.length, 1);
    assert.equal(parse[0]?.line, victim);
    assert.equal(parse[0]?.file, file);
    assert.deepEqual(users.map((u) => u.line), starts.filter((l) => l !== victim));
  });

  it('an unterminated string mid-file: reported, and reading goes on at the next user', async () => {
    const text = readFileSync(small, 'utf8');
    const lines = text.split('\n');
    const idx = lines.findIndex((l, i) => i > 40 && /^ {2}"email": "/.test(l));
    lines[idx] = lines[idx]!.replace(/",$/, ',');
    const file = write('unterminated.json', lines.join('\n'));
    const { users, problems } = await readAll({ file });
    assert.equal(users.length, 11);
    const parse = problems.filter((p) => p.code === 'E_SOURCE_PARSE');
    assert.equal(parse.length, 1);
    assert.equal(parse[0]?.line, lines.slice(0, idx).lastIndexOf('{') + 1);
  });

  it('duplicate localId: the second is an E_DUPLICATE_ID problem', async () => {
    const file = write('dup.json', JSON.stringify({ users: [{ localId: 'x', email: 'a@b.c' }, { localId: 'y', email: 'b@b.c' }, { localId: 'x', email: 'c@b.c' }] }, null, 2));
    const { users, problems } = await readAll({ file });
    assert.deepEqual(users.map((u) => u.user.emails[0]?.address), ['a@b.c', 'b@b.c']);
    assert.deepEqual(problems.map((p) => [p.code, p.sourceId]), [['E_DUPLICATE_ID', 'x']]);
  });

  it('emails are not checked for duplicates here (assess does that)', async () => {
    const file = write('dupmail.json', JSON.stringify({ users: [{ localId: 'x', email: 'A@b.c' }, { localId: 'y', email: 'a@B.c' }] }));
    const { users, problems } = await readAll({ file });
    assert.equal(users.length, 2);
    assert.deepEqual(problems, []);
  });

  it('an empty file, or only whitespace: E_INPUT_EMPTY on the first step', async () => {
    await firstStepFails({ file: write('empty.json', '') }, 'E_INPUT_EMPTY');
    await firstStepFails({ file: write('blank.json', '  \n\n') }, 'E_INPUT_EMPTY');
  });

  it('an unreadable path: E_INPUT_UNREADABLE on the first step', async () => {
    await firstStepFails({ file: join(dir, 'nope', 'users.json') }, 'E_INPUT_UNREADABLE');
    await firstStepFails({ file: dir }, 'E_INPUT_UNREADABLE');
    await firstStepFails({ file: small, hashConfig: join(dir, 'missing-config.json') }, 'E_INPUT_UNREADABLE');
  });

  it("another vendor's export: E_WRONG_VENDOR naming it", async () => {
    const clerk = write('clerk.csv', 'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\nuser_1,A,B,,a@b.c,,a@b.c,,,,,$2a$10$x,bcrypt\n');
    const auth0 = write('auth0.ndjson', '{"user_id":"auth0|123","email":"a@b.c","email_verified":true}\n');
    const cognito = write('cognito.json', '{\n    "Users": [\n        {"Username": "u1", "Attributes": []}\n    ]\n}\n');
    for (const file of [clerk, auth0, cognito]) {
      const it = source.open({ file }).read()[Symbol.asyncIterator]();
      await assert.rejects(it.next(), (e: unknown) => isFlaglessError(e) && e.code === 'E_WRONG_VENDOR' && /is not a Firebase auth:export file .*--from/.test(e.message));
      // The reader knows only its own format; which vendor the file is, the CLI says from every connector's sniff.
    }
  });

  it('a file that is not JSON at all: one E_SOURCE_PARSE problem, no users', async () => {
    const { users, problems } = await readAll({ file: write('text.txt', 'hello, this is not an export\n') });
    assert.equal(users.length, 0);
    assert.deepEqual(problems.map((p) => [p.code, p.line]), [['E_SOURCE_PARSE', 1]]);
  });

  it('JSON without a "users" array: one E_SOURCE_PARSE problem', async () => {
    const { users, problems } = await readAll({ file: write('other.json', '{"accounts": [{"id": 1}]}') });
    assert.equal(users.length, 0);
    assert.deepEqual(problems.map((p) => p.code), ['E_SOURCE_PARSE']);
  });

  it('an incomplete hash config fails at once with E_HASH_CONFIG_MISSING', async () => {
    await firstStepFails({ file: small, hashConfig: write('hc.json', '{"algorithm": "SCRYPT", "rounds": 8}') }, 'E_HASH_CONFIG_MISSING');
  });

  it('reads a gzipped export', async () => {
    const file = write('users.json.gz', gzipSync(readFileSync(small)));
    const { users } = await readAll({ file });
    assert.equal(users.length, 12);
  });

  it('--api is not a Firebase input', async () => {
    await firstStepFails({ api: true }, 'E_USAGE');
  });
});

describe('firebase sniff', () => {
  it('recognises auth:export output, and not the other vendors', () => {
    assert.equal(source.sniff('{"users": [\n{\n  "localId": "abc"'), true);
    assert.equal(source.sniff('{"users":[]}'), true);
    assert.equal(source.sniff('id,first_name,last_name,username,primary_email_address,password_digest\n'), false);
    assert.equal(source.sniff('{"user_id":"auth0|1","email":"a@b.c"}\n'), false);
    assert.equal(source.sniff('{\n    "Users": [\n        {\n            "Username": "x"'), false);
  });
});
