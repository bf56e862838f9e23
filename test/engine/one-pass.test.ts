import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import pg from 'pg';
import type { CanonicalUser } from '../../src/model/user.js';
import type { BulkCreateResult, CreateUserOptions } from '../../src/protocol/target.js';
import { planPass } from '../../src/engine/plan-pass.js';
import { openStateStore } from '../../src/state/ledger/open.js';
import type { PlannedRecord, StateStore } from '../../src/state/ledger/types.js';
import type { SourceItem } from '../../src/protocol/source.js';
import { migrate } from '../../src/engine/run.js';
import { FakeTarget } from './fake-target.js';
import { makeFixture, memorySource, PG_URL, pgStateUrl, tempDir, uniqueSchema } from './fixtures.js';
import { runMigrate, statePath } from './harness.js';

/**
 * One pass (run.ts): a fresh run into a target with a bulk create applies each batch the plan pass
 * writes while the pass reads on, and reads the source once. The plan write tells which rows it
 * inserted (StateStore.plan), so a batch whose rows were all new is taken without a claim on an
 * exclusive ledger, and a record the export holds twice is claimed (and written once).
 */
class BulkFake extends FakeTarget {
  batches: number[] = [];
  constructor(batchSize: number) {
    super({ capabilities: { batchSize } });
  }
  async createUsersEach(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<BulkCreateResult[]> {
    this.state.stats.writes++;
    this.batches.push(batch.length);
    return batch.map(({ user, options }) => ({ ok: true, ref: this.state.createUser(user, options) }));
  }
}

const stores = [
  { name: 'SQLite', state: (dir: string) => statePath(dir), drop: async () => undefined },
  {
    name: 'PostgreSQL',
    state: () => pgStateUrl(schema),
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    },
  },
];
let schema = '';

/** `body` with the ledger of a fresh state open, closed after. */
async function withStore(s: (typeof stores)[number], body: (store: StateStore) => Promise<void>): Promise<void> {
  await withState(s, async (state) => {
    const store = await openStateStore(state);
    try {
      await body(store);
    } finally {
      await store.close();
    }
  });
}

/** Runs `body` on a fresh state (a SQLite file, or a PostgreSQL schema), removed after. */
async function withState(s: (typeof stores)[number], body: (state: string) => Promise<void>): Promise<void> {
  schema = uniqueSchema('flagless_onepass');
  const tmp = tempDir();
  try {
    await body(s.state(tmp.dir));
  } finally {
    tmp.cleanup();
    await s.drop();
  }
}

for (const s of stores) {
  describe(`one pass on a ${s.name} ledger`, () => {
    test('a fresh run reads the export once and writes batches before it has read it all; a re-run writes nothing', async () => {
      await withState(s, async (state) => {
        const f = makeFixture({ users: 60, organizations: 2 });
        const t = new BulkFake(10);
        let writesBeforeLast = -1;
        const lastId = f.users[f.users.length - 1]!.sourceId;
        const source = memorySource(f, {
          onYield: (item) => {
            if (item.type === 'user' && item.user.sourceId === lastId) writesBeforeLast = t.state.stats.writes;
          },
        });
        const first = await runMigrate(t, source, state, { batchSize: 10 });
        assert.ok(first.complete, JSON.stringify(first.quarantine));
        assert.equal(first.users.created, 60);
        assert.equal(source.reads, 1, 'the export was read once');
        assert.ok(writesBeforeLast > 0, `batches were written while the export was read (${writesBeforeLast} writes before its last user)`);
        assert.equal(t.state.users.size, 60);
        const again = await runMigrate(t, source, state, { batchSize: 10 });
        assert.equal(again.writes, 0, 'a finished run writes nothing');
        assert.equal(t.state.users.size, 60);
      });
    });

    test('a user the export holds twice, in two batches, is written once', async () => {
      await withState(s, async (state) => {
        const f = makeFixture({ users: 25, organizations: 1 });
        // User 3 again in the third batch; it also arrives with the same memberships.
        const twice = { users: [...f.users.slice(0, 22), f.users[3]!, ...f.users.slice(22)], organizations: f.organizations };
        const t = new BulkFake(10);
        const summary = await runMigrate(t, memorySource(twice), state, { batchSize: 10 });
        assert.ok(summary.complete, JSON.stringify(summary.quarantine));
        assert.equal(t.state.users.size, 25);
        assert.equal(summary.users.created, 25);
        const userCreates = t.batches.reduce((n, b) => n + b, 0) + (t.state.received.createUser ?? 0);
        assert.equal(userCreates, 25, `every user sent once (batches ${t.batches.join(', ')})`);
      });
    });

    test('a user the export holds twice, while its first batch is still being written, is sent once', async () => {
      await withState(s, async (state) => {
        const f = makeFixture({ users: 25, organizations: 1 });
        const dup = f.users[3]!;
        const twice = { users: [...f.users.slice(0, 22), dup, ...f.users.slice(22)], organizations: f.organizations };
        // The first batch's request is held until the export has brought user 3 again (in the third batch).
        let release!: () => void;
        const gate = new Promise<void>((r) => (release = r));
        let seen = 0;
        const t = new (class extends BulkFake {
          override async createUsersEach(batch: readonly { user: CanonicalUser; options: CreateUserOptions }[]): Promise<BulkCreateResult[]> {
            if (batch.some((b) => b.user.sourceId === dup.sourceId)) await gate;
            return super.createUsersEach(batch);
          }
        })(10);
        const source = memorySource(twice, {
          onYield: (item) => {
            if (item.type === 'user' && item.user.sourceId === dup.sourceId && ++seen === 2) setTimeout(release, 50);
          },
        });
        const summary = await runMigrate(t, source, state, { batchSize: 10 });
        assert.ok(summary.complete, JSON.stringify(summary.quarantine));
        const sent = t.batches.reduce((n, b) => n + b, 0) + (t.state.received.createUser ?? 0);
        assert.equal(sent, 25, `every user sent once (batches ${t.batches.join(', ')}, single creates ${t.state.received.createUser ?? 0})`);
        assert.equal(t.state.users.size, 25);
      });
    });

    test('a user the export holds twice, created first and skipped by the plan later, stays created with its memberships', async () => {
      await withState(s, async (state) => {
        const f = makeFixture({ users: 25, organizations: 1 });
        const x = { ...f.users[3]!, memberships: [{ organizationId: f.organizations[0]!.sourceId, roles: ['member'] }] };
        f.users[3] = x;
        // The same id again in the third batch, without an email: the plan skips it (the target requires one).
        const again = { ...x, emails: [] };
        const t = new BulkFake(10);
        const summary = await runMigrate(t, memorySource({ users: [...f.users.slice(0, 22), again, ...f.users.slice(22)], organizations: f.organizations }), state, { batchSize: 10 });
        assert.ok(summary.complete, JSON.stringify(summary.quarantine));
        const store = await openStateStore(state);
        try {
          const user = await store.get(summary.runId, 'user', x.sourceId);
          const memberships = (await store.page(summary.runId, 'membership', undefined, 100)).filter((r) => r.userSourceId === x.sourceId);
          assert.deepEqual([user?.state, user?.outcome], ['done', 'created']);
          assert.deepEqual(memberships.map((m) => [m.state, m.outcome]), [['done', 'created']], 'its membership was written, not marked skipped');
          assert.ok([...t.state.users.values()].some((u) => u.externalId === x.sourceId));
        } finally {
          await store.close();
        }
      });
    });

    test('a source that fails mid-export: migrate returns only after the batch in flight is written (nothing is sent after it returns)', async () => {
      const f = makeFixture({ users: 25, organizations: 0 });
      const failing = {
        vendor: 'clerk' as const,
        async *read(): AsyncIterable<SourceItem> {
          let i = 0;
          for (const user of f.users) {
            if (i++ === 22) throw new Error('source: connection reset reading page 3');
            yield { type: 'user' as const, user };
          }
        },
      };
      await withStore(s, async (store) => {
        // The second batch's plan write takes a moment (a round trip under load).
        let plans = 0;
        const slow = new Proxy(store, {
          get(target, key) {
            if (key === 'plan')
              return async (runId: string, records: readonly PlannedRecord[]) => {
                if (++plans === 2) await new Promise((r) => setTimeout(r, 100));
                return target.plan(runId, records);
              };
            const v = Reflect.get(target, key, target) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        }) as StateStore;
        const t = new BulkFake(10);
        const summary = await migrate({ source: failing, runKey: 'clerk→fake', sourceFingerprint: 'm', target: t, targetLabel: 'fake', store: slow, concurrency: 4, rate: 5000, batchSize: 10 });
        assert.match(summary.fatal?.message ?? '', /connection reset/);
        const atReturn = { sent: t.batches.length, done: (await store.tally(summary.runId)).user.done };
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(t.batches.length, atReturn.sent, 'no batch was sent after migrate returned');
        assert.equal((await store.tally(summary.runId)).user.done, atReturn.done, 'no record settled after migrate returned');
        assert.equal(atReturn.done, 20, 'the two batches planned before the failure were moved');
      });
    });

    test('the plan write counts the rows it inserted: new ones, not those there before, not plan-time skips', async () => {
      await withStore(s, async (store) => {
        const run = await store.beginRun({ id: 'run-count', sourceFingerprint: 'x', target: 't', options: {}, startedAt: new Date().toISOString() });
        const rec = (id: string, extra: Partial<PlannedRecord> = {}): PlannedRecord => ({ kind: 'user', sourceId: id, fingerprint: `fp-${id}`, lossy: [], ...extra });
        assert.deepEqual(await store.plan(run.id, [rec('a'), rec('b'), rec('c', { skipReason: 'no email' })]), { inserted: 2 });
        assert.deepEqual(await store.plan(run.id, [rec('a'), rec('b', { fingerprint: 'changed' }), rec('d')]), { inserted: 1 });
        // The upsert still applied to the rows that were there: b's new fingerprint is kept.
        assert.equal((await store.get(run.id, 'user', 'b'))?.fingerprint, 'changed');
        assert.deepEqual(await store.plan(run.id, []), { inserted: 0 });
        // One pass keeps what is there: neither a changed plan nor a plan-time skip touches an existing row.
        assert.deepEqual(await store.plan(run.id, [rec('a', { fingerprint: 'again' }), rec('b', { skipReason: 'no email' }), rec('e')], { keepExisting: true }), { inserted: 1 });
        const [a, b] = await Promise.all([store.get(run.id, 'user', 'a'), store.get(run.id, 'user', 'b')]);
        assert.deepEqual([a?.fingerprint, a?.state, b?.fingerprint, b?.state], ['fp-a', 'planned', 'changed', 'planned']);
      });
    });
  });
}

describe('plan pass without lookups', () => {
  test('plans the next batch while one is written; a failed write ends the pass with its error', async () => {
    const f = makeFixture({ users: 30, organizations: 0 });
    const written: number[] = [];
    let planning = 0;
    const source = memorySource(f, { onYield: () => planning++ });
    const run = planPass({
      source,
      capabilities: new BulkFake(10).capabilities,
      plan: { missingPassword: 'jit' },
      batchSize: 10,
      write: async (records) => {
        await new Promise((r) => setTimeout(r, 20));
        if (written.length === 1) throw new Error('the ledger is gone');
        // Read by the time this batch's write ended: the next batch was read meanwhile.
        written.push(planning);
        return { inserted: records.length };
      },
    });
    await assert.rejects(run, /the ledger is gone/);
    assert.equal(written.length, 1);
    assert.ok(written[0]! > 10, `the second batch was read while the first was written (${written[0]} users read)`);
  });
});
