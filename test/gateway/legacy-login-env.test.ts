/**
 * Each source connector owns its legacy login: `SourceConnector.legacy` reads the vendor's own
 * environment variables and builds the verifier `serve --legacy api|auto` uses; the app only asks.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { legacyApiVerifier } from '../../src/app/legacy-api.js';
import { SOURCE_MODULES, SOURCE_VENDORS } from '../../src/connectors/index.js';

/** The least each vendor's login API needs (no request is made by building a verifier). */
const ENOUGH: Record<string, Record<string, string>> = {
  auth0: { AUTH0_DOMAIN: 'tenant.example.auth0.com', AUTH0_CLIENT_ID: 'client' },
  cognito: { COGNITO_CLIENT_ID: 'client', AWS_REGION: 'eu-west-1' },
  firebase: { FIREBASE_API_KEY: 'key' },
  clerk: { CLERK_SECRET_KEY: 'sk_test_x' },
};

describe('legacy login, declared by each source connector', () => {
  it('every source vendor of the registry declares one', async () => {
    assert.deepEqual([...SOURCE_VENDORS].sort(), Object.keys(ENOUGH).sort());
    for (const vendor of SOURCE_VENDORS) {
      const { source } = await SOURCE_MODULES[vendor]();
      assert.ok(source.legacy, `${vendor} declares its legacy login`);
      assert.ok(source.legacy.env.length > 0);
    }
  });

  for (const vendor of Object.keys(ENOUGH)) {
    it(`${vendor}: without credentials, --legacy api is refused naming what is missing; --legacy auto goes on without it; with them, a verifier`, async () => {
      await assert.rejects(legacyApiVerifier(vendor, undefined, {}, true), (e: { code: string; message: string }) => {
        assert.equal(e.code, 'E_USAGE');
        assert.match(e.message, new RegExp(`^--legacy api for ${vendor} needs .+ in the environment \\(.+\\)\\.$`));
        return true;
      });
      assert.equal(await legacyApiVerifier(vendor, undefined, {}, false), undefined);
      const verifier = await legacyApiVerifier(vendor, undefined, ENOUGH[vendor]!, true);
      assert.equal(verifier?.name, vendor);
      await verifier?.close();
    });
  }

  it('the message is the one serve always gave (Auth0)', async () => {
    await assert.rejects(legacyApiVerifier('auth0', undefined, {}, true), {
      message: '--legacy api for auth0 needs AUTH0_DOMAIN and a client id in the environment (AUTH0_DOMAIN, AUTH0_LOGIN_CLIENT_ID (or AUTH0_CLIENT_ID), AUTH0_LOGIN_CLIENT_SECRET (or AUTH0_CLIENT_SECRET), AUTH0_REALM).',
    });
  });
});
