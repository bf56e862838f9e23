import type { AppFootprint } from '../../protocol/app-footprint.js';

/** Auth0's footprint in an application: the Next.js, React, SPA, Node and Express SDKs. */
export const auth0AppFootprint: AppFootprint = {
  vendor: 'auth0',
  displayName: 'Auth0',
  modules: ['@auth0/', 'auth0', 'auth0-js', 'auth0-lock', 'express-openid-connect'],
  symbols: {
    Auth0Provider: 'component',
    UserProvider: 'component',
    withAuthenticationRequired: 'component',
    withAuth0: 'component',
    withPageAuthRequired: 'component',
    useAuth0: 'hook',
    useUser: 'hook',
    Auth0Client: 'client',
    createAuth0Client: 'client',
    ManagementClient: 'client',
    AuthenticationClient: 'client',
    UserInfoClient: 'client',
    WebAuth: 'client',
    getSession: 'serverHelper',
    getAccessToken: 'serverHelper',
    withApiAuthRequired: 'serverHelper',
    handleAuth: 'middleware',
    handleLogin: 'middleware',
    handleCallback: 'middleware',
    handleLogout: 'middleware',
    withMiddlewareAuthRequired: 'middleware',
    requiresAuth: 'middleware',
    claimCheck: 'middleware',
  },
  moduleSymbols: {
    // express-openid-connect's `auth` is the Express middleware.
    'express-openid-connect': { auth: 'middleware' },
  },
  envVarMarkers: ['AUTH0_'],
};
