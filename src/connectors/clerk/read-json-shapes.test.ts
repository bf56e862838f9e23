import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { primaryEmail, type CanonicalUser } from '../../model/user.js';
import { source } from './index.js';

// The Clerk JSON exports the Ory field guide reads as `--file`: the Backend API's list answer
// `{"data": [<user>, ...]}` and a bare array of users, the primary email picked by
// primary_email_address_id (and, without one, by the reader's rule: first verified, else first).

const dir = mkdtempSync(join(tmpdir(), 'flagless-clerk-json-'));

function user(id: string, emails: { id: string; address: string; verified: boolean }[], primaryId?: string) {
  return {
    id,
    object: 'user',
    ...(primaryId ? { primary_email_address_id: primaryId } : {}),
    email_addresses: emails.map((e) => ({ id: e.id, object: 'email_address', email_address: e.address, verification: { status: e.verified ? 'verified' : 'unverified', strategy: 'email_code' } })),
    first_name: 'Ada',
    last_name: 'Lovelace',
    password_enabled: false,
    public_metadata: {},
    private_metadata: {},
  };
}

async function users(file: string): Promise<CanonicalUser[]> {
  const out: CanonicalUser[] = [];
  for await (const item of source.open({ file }).read()) if (item.type === 'user') out.push(item.user);
  return out;
}

describe('Clerk JSON exports as --file', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));
  const list = [
    user('user_2aaa', [{ id: 'idn_1', address: 'first@example.com', verified: true }, { id: 'idn_2', address: 'Second@Example.com', verified: true }], 'idn_2'),
    user('user_2bbb', [{ id: 'idn_3', address: 'only-first@example.com', verified: true }, { id: 'idn_4', address: 'later@example.com', verified: true }]),
  ];

  it('reads {"data": [...]} and picks the primary email by primary_email_address_id, else the first', async () => {
    const file = join(dir, 'data.json');
    writeFileSync(file, JSON.stringify({ data: list, total_count: 2 }));
    const got = await users(file);
    assert.deepEqual(got.map((u) => u.sourceId), ['user_2aaa', 'user_2bbb']);
    assert.equal(primaryEmail(got[0]!)?.address, 'Second@Example.com');
    assert.equal(primaryEmail(got[1]!)?.address, 'only-first@example.com');
  });

  it('reads a bare array of Backend API users the same way', async () => {
    const file = join(dir, 'bare.json');
    writeFileSync(file, JSON.stringify(list));
    const got = await users(file);
    assert.deepEqual(got.map((u) => primaryEmail(u)?.address), ['Second@Example.com', 'only-first@example.com']);
  });
});
