import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { checkVendorOfFile } from '../../src/app/open-source.js';
import { FlaglessError } from '../../src/protocol/errors.js';

// Moved from the Auth0 reader's tests: which vendor a file is, the CLI says from every connector's sniff.
describe('checkVendorOfFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'flagless-vendor-of-file-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it("names the vendor of another vendor's file given as an Auth0 export", async () => {
    const firebase = write('firebase.json', JSON.stringify({ users: [{ localId: 'abc', email: 'a@b.c' }] }, null, 2));
    const cognito = write('cognito.json', JSON.stringify({ Users: [{ Username: 'abc', UserStatus: 'CONFIRMED' }] }));
    for (const [file, vendor] of [[firebase, 'firebase'], [cognito, 'cognito']] as const) {
      await assert.rejects(checkVendorOfFile('auth0', file), (e: unknown) => e instanceof FlaglessError && e.code === 'E_WRONG_VENDOR' && e.message.includes(`--from ${vendor}`));
    }
  });
  it("names the vendor of another vendor's file given as a Clerk, Cognito or Firebase export", async () => {
    const auth0 = write('auth0.ndjson', '{"user_id":"auth0|abc","email":"a@example.com","identities":[]}\n');
    const firebase = write('firebase2.json', '{"users":[{"localId":"x1","email":"a@example.com","passwordHash":"abc"}]}');
    const cognito = write('cognito2.json', '{"Users":[{"Username":"a","UserStatus":"CONFIRMED"}]}');
    const clerk = write('clerk.csv', 'id,first_name,last_name,username,primary_email_address,primary_phone_number,verified_email_addresses,unverified_email_addresses,verified_phone_numbers,unverified_phone_numbers,totp_secret,password_digest,password_hasher\nuser_1,A,B,,a@b.c,,a@b.c,,,,,$2a$10$x,bcrypt\n');
    const cases = [
      ['clerk', auth0, 'auth0'], ['clerk', firebase, 'firebase'], ['clerk', cognito, 'cognito'],
      ['cognito', firebase, 'firebase'], ['cognito', auth0, 'auth0'],
      ['firebase', clerk, 'clerk'], ['firebase', auth0, 'auth0'], ['firebase', cognito, 'cognito'],
    ] as const;
    for (const [from, file, vendor] of cases) {
      await assert.rejects(checkVendorOfFile(from, file), (e: unknown) => e instanceof FlaglessError && e.code === 'E_WRONG_VENDOR' && e.message.includes(`--from ${vendor}`), `${from} given a ${vendor} file`);
    }
  });
});
