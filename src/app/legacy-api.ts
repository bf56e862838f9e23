import { FlaglessError } from '../protocol/errors.js';
import type { LegacyVerifier } from '../protocol/legacy.js';
import type { SourceVendor } from '../protocol/source.js';

/** The legacy login API's credentials each vendor reads from the environment. */
const LEGACY_ENV: Record<SourceVendor, string> = {
  auth0: 'AUTH0_DOMAIN, AUTH0_LOGIN_CLIENT_ID (or AUTH0_CLIENT_ID), AUTH0_LOGIN_CLIENT_SECRET (or AUTH0_CLIENT_SECRET), AUTH0_REALM',
  cognito: 'COGNITO_CLIENT_ID, AWS_REGION (COGNITO_CLIENT_SECRET, COGNITO_USER_POOL_ID optional)',
  firebase: 'FIREBASE_API_KEY (FIREBASE_TENANT_ID optional)',
  clerk: 'CLERK_SECRET_KEY',
};

/**
 * The vendor's login API as a legacy verifier, from the environment; undefined (or E_USAGE when
 * `required`) when its credentials are not set. `url` overrides the API's base URL.
 */
export async function legacyApiVerifier(vendor: SourceVendor, url: string | undefined, env: Record<string, string | undefined>, required: boolean): Promise<LegacyVerifier | undefined> {
  const missing = (what: string) => {
    if (required) throw new FlaglessError('E_USAGE', `--legacy api for ${vendor} needs ${what} in the environment (${LEGACY_ENV[vendor]}).`);
    return undefined;
  };
  switch (vendor) {
    case 'auth0': {
      const domain = env.AUTH0_DOMAIN ?? (url ? new URL(url).host : undefined);
      const clientId = env.AUTH0_LOGIN_CLIENT_ID ?? env.AUTH0_CLIENT_ID;
      if (!domain || !clientId) return missing('AUTH0_DOMAIN and a client id');
      const { auth0LegacyVerifier } = await import('../connectors/auth0/legacy-login.js');
      const secret = env.AUTH0_LOGIN_CLIENT_SECRET ?? env.AUTH0_CLIENT_SECRET;
      return auth0LegacyVerifier({
        domain,
        clientId,
        ...(secret ? { clientSecret: secret } : {}),
        realm: env.AUTH0_REALM ?? 'Username-Password-Authentication',
        ...(env.AUTH0_AUDIENCE ? { audience: env.AUTH0_AUDIENCE } : {}),
        forwardClientIp: env.AUTH0_FORWARD_CLIENT_IP !== 'false',
        ...(url ? { apiUrl: url } : {}),
      });
    }
    case 'cognito': {
      const clientId = env.COGNITO_CLIENT_ID;
      const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
      if (!clientId || !region) return missing('COGNITO_CLIENT_ID and AWS_REGION');
      const { cognitoLegacyVerifier } = await import('../connectors/cognito/legacy-login.js');
      return cognitoLegacyVerifier({
        clientId,
        region,
        ...(env.COGNITO_CLIENT_SECRET ? { clientSecret: env.COGNITO_CLIENT_SECRET } : {}),
        ...(env.COGNITO_USER_POOL_ID ? { userPoolId: env.COGNITO_USER_POOL_ID } : {}),
        ...(url ? { endpoint: url } : {}),
      });
    }
    case 'firebase': {
      if (!env.FIREBASE_API_KEY) return missing('FIREBASE_API_KEY');
      const { firebaseLegacyVerifier } = await import('../connectors/firebase/legacy-login.js');
      return firebaseLegacyVerifier({ apiKey: env.FIREBASE_API_KEY, ...(env.FIREBASE_TENANT_ID ? { tenantId: env.FIREBASE_TENANT_ID } : {}), ...(url ? { apiUrl: url } : {}) });
    }
    case 'clerk': {
      if (!env.CLERK_SECRET_KEY) return missing('CLERK_SECRET_KEY');
      const { clerkLegacyVerifier } = await import('../connectors/clerk/legacy-login.js');
      return clerkLegacyVerifier({ secretKey: env.CLERK_SECRET_KEY, ...(url ? { apiUrl: url } : {}) });
    }
  }
}

