import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APP_FOOTPRINTS } from '../../src/connectors/index.js';
import { scanSource } from '../../src/app-code/scan-file.js';

const ALL = Object.values(APP_FOOTPRINTS);
const kinds = (text: string, file = 'x.tsx') => scanSource(text, file, ALL).usages.map((u) => `${u.vendor}:${u.symbol}:${u.kind}:${u.line}`);

describe('scanSource: the TypeScript parser finds each provider\'s footprint', () => {
  it('Clerk: imports, components (JSX tags, counted once per element), hooks, server helpers, middleware; aliases followed', () => {
    const src = [
      "import { ClerkProvider, useUser as useClerkUser } from '@clerk/nextjs';",
      "import { auth, clerkMiddleware } from '@clerk/nextjs/server';",
      'export default clerkMiddleware();',
      'export function A({ children }) { const { user } = useClerkUser(); return <ClerkProvider>{children}</ClerkProvider>; }',
      'export async function B() { const { userId } = await auth(); return userId; }',
      '// useUser() in a comment and "auth()" in a string are not uses',
      "const s = 'auth()';",
    ].join('\n');
    assert.deepEqual(kinds(src), [
      'clerk:@clerk/nextjs:import:1',
      'clerk:@clerk/nextjs/server:import:2',
      'clerk:clerkMiddleware:middleware:3',
      'clerk:useUser:hook:4',
      'clerk:ClerkProvider:component:4',
      'clerk:auth:serverHelper:5',
    ]);
  });

  it('a local that shadows nothing but shares a name with an SDK export is not a use (no import, no use)', () => {
    assert.deepEqual(kinds('function auth() { return 1 }\nauth();\nconst useUser = () => 1; useUser();'), []);
  });

  it('Auth0: the React SDK, the Next.js SDK, the Node SDK through require(), express-openid-connect middleware', () => {
    const src = [
      "import { Auth0Provider, useAuth0 } from '@auth0/auth0-react';",
      "const { ManagementClient } = require('auth0');",
      "const { auth, requiresAuth } = require('express-openid-connect');",
      'const m = new ManagementClient({ domain: process.env.AUTH0_DOMAIN });',
      'app.use(auth({})); app.get("/p", requiresAuth(), h);',
      'export const App = () => { const { loginWithRedirect } = useAuth0(); return <Auth0Provider domain="d" clientId="c" />; };',
    ].join('\n');
    assert.deepEqual(kinds(src, 'server.jsx'), [
      'auth0:@auth0/auth0-react:import:1',
      'auth0:auth0:import:2',
      'auth0:express-openid-connect:import:3',
      'auth0:ManagementClient:client:4',
      'auth0:auth:middleware:5',
      'auth0:requiresAuth:middleware:5',
      'auth0:useAuth0:hook:6',
      'auth0:Auth0Provider:component:6',
    ]);
    assert.deepEqual(scanSource(src, 'server.jsx', ALL).envVars.map((e) => e.name), ['AUTH0_DOMAIN']);
  });

  it('auth0-js is not auth0/..., and a package sharing a prefix is not the SDK', () => {
    assert.deepEqual(kinds("import x from 'auth0-like-thing';\nx();"), []);
    assert.deepEqual(kinds("import { WebAuth } from 'auth0-js';\nnew WebAuth({});"), ['auth0:auth0-js:import:1', 'auth0:WebAuth:client:2']);
  });

  it('Firebase: firebase/auth client calls, firebase-admin/auth getAuth as a server helper, identity triggers as webhook handlers, firebase/app ignored', () => {
    const src = [
      "import { initializeApp } from 'firebase/app';",
      "import { getAuth, signInWithEmailAndPassword } from 'firebase/auth';",
      "import { getAuth as adminAuth } from 'firebase-admin/auth';",
      "import { beforeUserCreated } from 'firebase-functions/v2/identity';",
      'initializeApp({ apiKey: import.meta.env.VITE_FIREBASE_API_KEY });',
      'signInWithEmailAndPassword(getAuth(), e, p);',
      'await adminAuth().verifyIdToken(t);',
      'export const gate = beforeUserCreated(() => {});',
    ].join('\n');
    assert.deepEqual(kinds(src, 'a.ts'), [
      'firebase:firebase/auth:import:2',
      'firebase:firebase-admin/auth:import:3',
      'firebase:signInWithEmailAndPassword:client:6',
      'firebase:getAuth:client:6',
      'firebase:getAuth:serverHelper:7',
      'firebase:beforeUserCreated:webhookHandler:8',
    ]);
    assert.deepEqual(scanSource(src, 'a.ts', ALL).envVars.map((e) => e.name), ['VITE_FIREBASE_API_KEY']);
  });

  it('Cognito: Amplify v6 auth functions, the v5 Auth namespace, aws-amplify imports that are not auth are left out, Lambda trigger types', () => {
    const src = [
      "import { Amplify } from 'aws-amplify';",
      "import { Auth } from 'aws-amplify';",
      "import { signIn, fetchAuthSession } from 'aws-amplify/auth';",
      "import { CognitoUserPool } from 'amazon-cognito-identity-js';",
      "import type { PreSignUpTriggerHandler } from 'aws-lambda';",
      'Amplify.configure({});',
      'await Auth.signIn(u, p); await signIn({ username: u, password: p }); await fetchAuthSession();',
      'const pool = new CognitoUserPool({ UserPoolId: process.env.COGNITO_USER_POOL_ID!, ClientId: "c" });',
      'export const handler: PreSignUpTriggerHandler = async (e) => e;',
    ].join('\n');
    assert.deepEqual(kinds(src, 'a.ts'), [
      'cognito:aws-amplify:import:2',
      'cognito:aws-amplify/auth:import:3',
      'cognito:amazon-cognito-identity-js:import:4',
      'cognito:Auth:client:7',
      'cognito:signIn:client:7',
      'cognito:fetchAuthSession:client:7',
      'cognito:CognitoUserPool:client:8',
      'cognito:PreSignUpTriggerHandler:webhookHandler:9',
    ]);
  });

  it("svix's Webhook is Clerk's webhook handler only in a file that reads a Clerk environment variable", () => {
    const verify = "import { Webhook } from 'svix';\nnew Webhook(secret).verify(b, h);";
    assert.deepEqual(kinds(verify, 'a.ts'), []);
    assert.deepEqual(kinds(`${verify}\nconst secret = process.env.CLERK_WEBHOOK_SIGNING_SECRET;`, 'a.ts'), ['clerk:Webhook:webhookHandler:2']);
  });

  it('namespace and dynamic imports, env vars by destructuring and element access', () => {
    const src = [
      "import * as clerk from '@clerk/clerk-react';",
      'export const X = () => <clerk.SignIn />;',
      "const { useAuth } = await import('@clerk/clerk-react');",
      'useAuth();',
      "const { CLERK_SECRET_KEY, OTHER } = process.env; const k = process.env['NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY'];",
    ].join('\n');
    assert.deepEqual(kinds(src), ['clerk:@clerk/clerk-react:import:1', 'clerk:SignIn:component:2', 'clerk:@clerk/clerk-react:import:3', 'clerk:useAuth:hook:4']);
    assert.deepEqual(scanSource(src, 'x.tsx', ALL).envVars.map((e) => e.name), ['CLERK_SECRET_KEY', 'OTHER', 'NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY']);
  });

  it('a file with a syntax error is still scanned as far as it parses, never thrown on', () => {
    assert.deepEqual(kinds("import { useUser } from '@clerk/nextjs';\nconst { user } = useUser(;\n<<<"), ['clerk:@clerk/nextjs:import:1', 'clerk:useUser:hook:2']);
  });
});
