import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FlaglessError } from '../../protocol/errors.js';
import type { SourceItem } from '../../protocol/source.js';
import { exportClerkApi } from './export-api.js';
import { source } from './index.js';
import { startClerkSimulator, type ClerkSimulator, type ClerkSimulatorData } from './sim/backend-api.js';
import type { ClerkUserJson } from './types.js';

const KEY = 'sk_test_flagless_export_simulator';
const BIN = fileURLToPath(new URL('../../../../bin/flagless.js', import.meta.url));

function user(n: number): ClerkUserJson {
  return {
    id: `user_2exp${String(n).padStart(3, '0')}`,
    first_name: `First${n}`,
    last_name: `Last${n}`,
    primary_email_address_id: `idn_${n}`,
    email_addresses: [{ id: `idn_${n}`, email_address: `u${n}@example.com`, verification: { status: 'verified' } }],
    phone_numbers: [],
    external_accounts: n % 5 === 0 ? [{ provider: 'oauth_google', provider_user_id: `g${n}`, email_address: `u${n}@example.com` }] : [],
    public_metadata: { plan: n % 3 === 0 ? 'pro' : 'free' },
    private_metadata: { n },
    unsafe_metadata: {},
    password_enabled: n % 2 === 0,
    banned: n === 7,
    created_at: 1_700_000_000_000 + n * 1000,
  };
}

const USERS = 30;
const DATA: ClerkSimulatorData = {
  users: Array.from({ length: USERS }, (_, i) => user(i + 1)),
  organizations: [
    { id: 'org_a', name: 'Acme', slug: 'acme', created_at: 1 },
    { id: 'org_b', name: 'Globex', slug: 'globex', created_at: 2 },
    { id: 'org_c', name: 'Initech', slug: 'initech', created_at: 3 },
  ],
  memberships: Array.from({ length: 12 }, (_, i) => ({
    id: `orgmem_${i}`,
    role: i % 4 === 0 ? 'org:admin' : 'org:member',
    organization: { id: ['org_a', 'org_b', 'org_c'][i % 3]! },
    public_user_data: { user_id: user(i * 2 + 1).id },
    created_at: 10 + i,
  })),
};

interface Read {
  users: Map<string, unknown>;
  organizations: string[];
  memberships: string[];
}

/** What a source read gives, in a form two reads can be compared by. */
async function collect(items: AsyncIterable<SourceItem>): Promise<Read> {
  const r: Read = { users: new Map(), organizations: [], memberships: [] };
  for await (const item of items) {
    if (item.type === 'user') {
      assert.ok(!r.users.has(item.user.sourceId), `${item.user.sourceId} read once`);
      const { sourceId, emails, identities, memberships, disabled, metadata, name } = item.user as unknown as Record<string, unknown> & { sourceId: string };
      r.users.set(sourceId, { emails, identities, memberships, disabled, metadata, name });
      for (const m of item.user.memberships ?? []) r.memberships.push(`${sourceId} ${m.organizationId} ${m.roles.join('+')}`);
    } else if (item.type === 'organization') r.organizations.push(`${item.organization.sourceId} ${item.organization.name}`);
  }
  r.memberships.sort();
  r.organizations.sort();
  return r;
}

async function assertSameAsApi(sim: ClerkSimulator, dumpPath: string): Promise<void> {
  const fromDump = await collect(source.open({ apiDump: dumpPath }).read());
  const fromApi = await collect(source.open({ api: true, env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url }).read());
  assert.equal(fromDump.users.size, USERS);
  assert.deepEqual([...fromDump.users.keys()].sort(), [...fromApi.users.keys()].sort());
  for (const [id, u] of fromApi.users) assert.deepEqual(fromDump.users.get(id), u, `${id} reads the same from the dump`);
  assert.deepEqual(fromDump.organizations, fromApi.organizations);
  assert.deepEqual(fromDump.memberships, fromApi.memberships);
  assert.equal(fromDump.memberships.length, 12);
}

/** Each user's id appears in the dump's users list exactly once. */
async function assertEachUserOnce(dumpPath: string): Promise<void> {
  const dump = JSON.parse(await readFile(dumpPath, 'utf8')) as { users: { id: string }[]; organizations: unknown[]; memberships: unknown[] };
  const ids = dump.users.map((u) => u.id);
  assert.equal(ids.length, USERS);
  assert.equal(new Set(ids).size, USERS);
  assert.equal(dump.organizations.length, 3);
  assert.equal(dump.memberships.length, 12);
}

const exists = (p: string) => stat(p).then(() => true, () => false);

function runCli(args: string[], env: Record<string, string>): { child: ReturnType<typeof spawn>; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

describe('flagless export --from clerk --api: a resumable Backend API dump, against the local simulator', () => {
  let sim: ClerkSimulator;
  let dir: string;
  before(async () => {
    sim = await startClerkSimulator(DATA, { secretKey: KEY });
    dir = await mkdtemp(join(tmpdir(), 'flagless-export-'));
  });
  after(async () => {
    await sim.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the dump --api-dump reads: same users, organizations and memberships as a direct API read, through a 429', async () => {
    const out = join(dir, 'whole.json');
    sim.requests.length = 0;
    sim.injectRateLimit(1, 1);
    const progress: string[] = [];
    const r = await exportClerkApi({ out, env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url, pageSize: 4, onProgress: (p) => progress.push(p.section) });
    assert.deepEqual(r.counts, { users: USERS, organizations: 3, memberships: 12 });
    assert.equal(r.resumed, false);
    assert.ok(sim.requests.some((q) => q.status === 429), 'a 429 was served and waited out');
    assert.ok(progress.filter((s) => s === 'users').length >= 8, 'progress after each page');
    assert.equal(await exists(`${out}.partial`), false);
    assert.equal(await exists(`${out}.partial.json`), false);
    await assertEachUserOnce(out);
    await assertSameAsApi(sim, out);
  });

  it('stopped mid-users (abort), with a torn page after the checkpoint, continues from the checkpoint: each user once', async () => {
    const out = join(dir, 'aborted.json');
    const ac = new AbortController();
    let userPages = 0;
    await assert.rejects(
      exportClerkApi({
        out,
        env: { CLERK_SECRET_KEY: KEY },
        apiUrl: sim.url,
        pageSize: 3,
        signal: ac.signal,
        onProgress: (p) => {
          if (p.section === 'users' && ++userPages === 4) ac.abort();
        },
      }),
      (e: unknown) => e instanceof FlaglessError && e.code === 'E_INTERRUPTED',
    );
    assert.equal(await exists(out), false, 'no dump until it is complete');
    const cp = JSON.parse(await readFile(`${out}.partial.json`, 'utf8')) as { sections: string[]; open: number; counts: Record<string, number>; cursor: { offset: number } };
    assert.equal(cp.sections[cp.open], 'users');
    assert.equal(cp.counts.users, 12);
    assert.equal(cp.cursor.offset, 12);
    assert.ok(!JSON.stringify(cp).includes(KEY), 'no key in the checkpoint');
    // A crash between a page's write and its checkpoint leaves bytes the checkpoint does not count.
    // Longer than the rest of the dump, so that writing over it would not hide it.
    await appendFile(`${out}.partial`, `,\n${JSON.stringify(user(13))}`.repeat(200) + ',\n{"id":"user_2exp014","torn":');

    const requestsBefore = sim.requests.length;
    const r = await exportClerkApi({ out, env: { CLERK_SECRET_KEY: KEY }, apiUrl: sim.url, pageSize: 3 });
    assert.equal(r.resumed, true);
    assert.deepEqual(r.counts, { users: USERS, organizations: 3, memberships: 12 });
    const resumedUserPages = sim.requests.slice(requestsBefore).filter((q) => q.path === '/v1/users' && q.status === 200);
    assert.deepEqual(
      resumedUserPages.map((q) => new URLSearchParams(q.query).get('offset')),
      ['12', '15', '18', '21', '24', '27'],
      'the users already saved are not read again',
    );
    assert.ok(!sim.requests.slice(requestsBefore).some((q) => q.path === '/v1/organizations'), 'finished lists are not read again');
    await assertEachUserOnce(out);
    await assertSameAsApi(sim, out);
  });

  it('the CLI killed with SIGKILL mid-run continues on the next run; summary on stdout, progress on stderr, no key anywhere', async () => {
    const slow = await startClerkSimulator(DATA, { secretKey: KEY, rateLimit: { requests: 6, windowMs: 1000 } });
    try {
      const out = join(dir, 'killed.json');
      const args = ['export', '--from', 'clerk', '--api', '--out', out, '--source-url', slow.url, '--page-size', '2'];
      const first = runCli(args, { CLERK_SECRET_KEY: KEY });
      // Kill once some users are saved (the checkpoint says so), without warning.
      for (let i = 0; ; i++) {
        assert.ok(i < 300, 'the first run saved users within 30 s');
        const cp = await readFile(`${out}.partial.json`, 'utf8').then((t) => JSON.parse(t) as { counts: { users: number } }, () => undefined);
        if (cp && cp.counts.users >= 4) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      first.child.kill('SIGKILL');
      const killed = await first.done;
      assert.equal(killed.signal, 'SIGKILL');
      assert.equal(await exists(out), false);

      const second = await runCli([...args, '--json'], { CLERK_SECRET_KEY: KEY }).done;
      assert.equal(second.code, 0, second.stderr);
      const summary = JSON.parse(second.stdout) as { out: string; users: number; organizations: number; memberships: number; resumed: boolean };
      assert.deepEqual({ users: summary.users, organizations: summary.organizations, memberships: summary.memberships, resumed: summary.resumed, out: summary.out }, { users: USERS, organizations: 3, memberships: 12, resumed: true, out });
      assert.match(second.stderr, /export: users: /, 'progress on stderr');
      for (const text of [killed.stdout, killed.stderr, second.stdout, second.stderr]) assert.ok(!text.includes(KEY), 'the key never appears');
      await assertEachUserOnce(out);
      await assertSameAsApi(sim, out);
    } finally {
      await slow.close();
    }
  });

  it('refuses before writing: no key, a refused key (exit 2); a fatal stop mid-run exits 3 and can be continued', async () => {
    const out = join(dir, 'refused.json');
    const noKey = await runCli(['export', '--from', 'clerk', '--api', '--out', out, '--source-url', sim.url], { CLERK_SECRET_KEY: '' }).done;
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /CLERK_SECRET_KEY/);
    const wrong = await runCli(['export', '--from', 'clerk', '--api', '--out', out, '--source-url', sim.url, '--json'], { CLERK_SECRET_KEY: 'sk_test_wrong_key' }).done;
    assert.equal(wrong.code, 2);
    assert.ok(!wrong.stderr.includes('sk_test_wrong_key') && !wrong.stdout.includes('sk_test_wrong_key'));
    assert.equal((JSON.parse(wrong.stdout) as { error: { code: string } }).error.code, 'E_SOURCE_API');
    assert.equal(await exists(`${out}.partial`), false, 'nothing written');
    const noApi = await runCli(['export', '--from', 'clerk', '--out', out], { CLERK_SECRET_KEY: KEY }).done;
    assert.equal(noApi.code, 2);

    // The API keeps refusing (429) once the first pages are saved: exit 3, the checkpoint stays.
    const flaky = await startClerkSimulator(DATA, { secretKey: KEY });
    try {
      const args = ['export', '--from', 'clerk', '--api', '--out', out, '--source-url', flaky.url, '--page-size', '10'];
      flaky.injectRateLimit(1000, 0);
      const stopped = await runCli(args, { CLERK_SECRET_KEY: KEY }).done;
      // The count call before writing was refused too: a 429 is not a refused key, so the run may be retried (3).
      assert.equal(stopped.code, 3, stopped.stderr);
      assert.match(stopped.stderr, /E_RATE_LIMITED/);
      flaky.injectRateLimit(0, 0);
      const again = await runCli(args, { CLERK_SECRET_KEY: KEY }).done;
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, new RegExp(`${USERS} users, 3 organizations, 12 memberships`));
      await assertEachUserOnce(out);
    } finally {
      await flaky.close();
    }
  });
});
