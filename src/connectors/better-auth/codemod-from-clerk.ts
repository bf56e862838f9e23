import type { AppFramework, CodemodRules, SymbolRule, TodoNote } from '../../protocol/codemod.js';

/**
 * Clerk → Better Auth: the React client (`createAuthClient` from better-auth/react, its
 * `useSession` hook), `auth.api.getSession` on the server, a session-cookie middleware
 * (`getSessionCookie` from better-auth/cookies) and the Next.js handler (`toNextJsHandler`).
 * Names from better-auth's type declarations (docs/vendor-facts.md, "Application SDKs").
 */

const DOCS = 'https://www.better-auth.com/docs/integrations/next';
const CLIENT_DOCS = 'https://www.better-auth.com/docs/concepts/client';
const ORG_DOCS = 'https://www.better-auth.com/docs/plugins/organization';
const JWT_DOCS = 'https://www.better-auth.com/docs/plugins/jwt';

const todo = (text: string, docs: string): SymbolRule => ({ action: 'todo', note: { text, docs } });

const SHARED: Record<string, SymbolRule> = {
  SignIn: todo('Better Auth has no hosted page: build the form on authClient.signIn.email({ email, password }) and authClient.signIn.social({ provider })', CLIENT_DOCS),
  SignUp: todo('build the form on authClient.signUp.email({ email, password, name })', CLIENT_DOCS),
  UserButton: todo('Better Auth has no user-menu component: build one from authClient.useSession() and authClient.signOut()', CLIENT_DOCS),
  UserProfile: todo('build the profile page on authClient.updateUser() and authClient.changePassword()', CLIENT_DOCS),
  OrganizationSwitcher: todo("organizations need Better Auth's organization plugin: authClient.organization.setActive()", ORG_DOCS),
  OrganizationProfile: todo("organizations need Better Auth's organization plugin", ORG_DOCS),
  OrganizationList: todo("organizations need Better Auth's organization plugin: authClient.useListOrganizations()", ORG_DOCS),
  CreateOrganization: todo("organizations need Better Auth's organization plugin: authClient.organization.create()", ORG_DOCS),
  useClerk: todo('useClerk() has no equivalent: use authClient (signOut, useSession, ...)', CLIENT_DOCS),
  useSignIn: todo('use authClient.signIn.email / signIn.social', CLIENT_DOCS),
  useSignUp: todo('use authClient.signUp.email', CLIENT_DOCS),
  useOrganization: todo("use the organization plugin's authClient.useActiveOrganization()", ORG_DOCS),
  useOrganizationList: todo("use the organization plugin's authClient.useListOrganizations()", ORG_DOCS),
  Protect: todo('gate on authClient.useSession() (and the organization/admin plugins for roles)', CLIENT_DOCS),
  ClerkProvider: { action: 'replace', to: { module: 'react', name: 'Fragment' }, jsxProps: '' },
};

const USER_FIELDS: Record<string, string | TodoNote> = {
  firstName: 'name',
  imageUrl: 'image',
  lastName: { text: 'Better Auth keeps one name field (user.name); flagless migrated "first last" into it', docs: 'https://www.better-auth.com/docs/concepts/database#user' },
  fullName: 'name',
  primaryEmailAddress: { text: 'Better Auth users have one address: user.email (a string)', docs: 'https://www.better-auth.com/docs/concepts/database#user' },
  emailAddresses: { text: 'Better Auth users have one address: user.email (a string)', docs: 'https://www.better-auth.com/docs/concepts/database#user' },
  username: { text: "usernames need Better Auth's username plugin", docs: 'https://www.better-auth.com/docs/plugins/username' },
};

const clientHooks = (client: string): Record<string, SymbolRule> => ({
  useUser: {
    action: 'replace',
    to: { module: client, name: 'authClient', member: 'useSession' },
    bindings: { user: { expr: '${data}?.user ?? null' }, isLoaded: { expr: '!${isPending}' }, isSignedIn: { expr: '!!${data}' } },
    userBindings: ['user'],
  },
  useAuth: {
    action: 'replace',
    to: { module: client, name: 'authClient', member: 'useSession' },
    bindings: {
      userId: { expr: '${data}?.user.id ?? null' },
      sessionId: { expr: '${data}?.session.id ?? null' },
      isSignedIn: { expr: '!!${data}' },
      isLoaded: { expr: '!${isPending}' },
      // A token for the app's own API: the jwt plugin's authClient.token() (jwtClient() in lib/auth-client, jwt() on the server).
      getToken: { expr: 'async () => (await authClient.token()).data?.token ?? null' },
    },
  },
});

const controls = (clientImport: string, signInHref: string) => `// Written by flagless codemod: Clerk's control components, built on Better Auth's React client.
import type { ReactNode } from 'react';
${clientImport}

export function SignedIn({ children }: { children?: ReactNode }) {
  const { data } = authClient.useSession();
  return data ? <>{children}</> : null;
}

export function SignedOut({ children }: { children?: ReactNode }) {
  const { data, isPending } = authClient.useSession();
  return !isPending && !data ? <>{children}</> : null;
}

// TODO(flagless): build the sign-in and sign-up pages on authClient.signIn.email / authClient.signUp.email (${CLIENT_DOCS})
export function SignInButton({ children }: { children?: ReactNode }) {
  return <a href="${signInHref}">{children ?? 'Sign in'}</a>;
}

export function SignUpButton({ children }: { children?: ReactNode }) {
  return <a href="${signInHref.replace('sign-in', 'sign-up')}">{children ?? 'Sign up'}</a>;
}

export function SignOutButton({ children }: { children?: ReactNode }) {
  return (
    <button type="button" onClick={() => void authClient.signOut()}>
      {children ?? 'Sign out'}
    </button>
  );
}
`;

function nextRules(): CodemodRules {
  const getSession = 'auth.api.getSession({ headers: await headers() })';
  const server = [{ module: 'next/headers', name: 'headers' }];
  return {
    from: 'clerk',
    to: 'better-auth',
    framework: 'nextjs',
    legacyModules: ['@clerk/'],
    symbols: {
      ...SHARED,
      ...clientHooks('~/lib/auth-client'),
      ...Object.fromEntries(['SignedIn', 'SignedOut', 'SignInButton', 'SignUpButton', 'SignOutButton'].map((name) => [name, { action: 'replace', to: { module: '~/components/auth-controls', name }, jsxProps: '' } satisfies SymbolRule])),
      auth: {
        action: 'replace',
        to: { module: '~/lib/auth', name: 'auth' },
        imports: server,
        callTemplate: `${getSession}.then((s) => ({ userId: s?.user.id ?? null, sessionId: s?.session.id ?? null }))`,
        bindings: { userId: 'userId', sessionId: 'sessionId' },
        note: undefined,
      },
      currentUser: { action: 'replace', to: { module: '~/lib/auth', name: 'auth' }, imports: server, callTemplate: `${getSession}.then((s) => s?.user ?? null)`, resultIsUser: true },
      clerkMiddleware: {
        action: 'replace',
        to: { module: '~/lib/auth-middleware', name: 'requireSessionCookie' },
        callTemplate: 'requireSessionCookie',
        note: { text: 'requireSessionCookie sends visitors without a session cookie to /sign-in: narrow config.matcher to the protected paths (it checks the cookie only; pages still call auth.api.getSession)', docs: DOCS },
      },
      createRouteMatcher: todo('list the protected paths in config.matcher of the middleware instead', DOCS),
      clerkClient: todo('use the server instance: auth.api (listUsers etc. need the admin plugin)', 'https://www.better-auth.com/docs/plugins/admin'),
      verifyWebhook: todo('Better Auth runs in your app: use its databaseHooks instead of webhooks', 'https://www.better-auth.com/docs/concepts/database#database-hooks'),
    },
    unknownSymbol: { text: 'no Better Auth equivalent known to flagless: rewrite by hand', docs: DOCS },
    userFields: USER_FIELDS,
    packages: { add: { 'better-auth': '^1.7.25' } },
    env: {
      legacyMarkers: ['CLERK_'],
      add: [
        { name: 'BETTER_AUTH_SECRET', placeholder: '', comment: 'at least 32 random characters: openssl rand -base64 32' },
        { name: 'BETTER_AUTH_URL', placeholder: 'http://localhost:3000', comment: "the app's base URL" },
      ],
      note: { text: 'Better Auth reads BETTER_AUTH_SECRET and BETTER_AUTH_URL.', docs: 'https://www.better-auth.com/docs/installation' },
    },
    supportFiles: [
      {
        path: 'lib/auth.ts',
        always: true,
        content: `// Written by flagless codemod: the Better Auth server instance.\nimport { betterAuth } from 'better-auth';\n\nexport const auth = betterAuth({\n  // TODO(flagless): the database flagless migrated the users into (e.g. new Pool({ connectionString: process.env.DATABASE_URL }) from pg) (https://www.better-auth.com/docs/installation)\n  emailAndPassword: { enabled: true },\n});\n`,
      },
      { path: 'lib/auth-client.ts', content: `// Written by flagless codemod: Better Auth's React client.\nimport { createAuthClient } from 'better-auth/react';\nimport { jwtClient } from 'better-auth/client/plugins';\n\n// jwtClient(): authClient.token() gives a JWT for other services (the jwt() plugin on the server: ${JWT_DOCS})\nexport const authClient = createAuthClient({ plugins: [jwtClient()] });\n` },
      { path: 'app/api/auth/[...all]/route.ts', always: true, content: `// Written by flagless codemod: Better Auth's endpoints.\nimport { toNextJsHandler } from 'better-auth/next-js';\nimport { auth } from '../../../../lib/auth';\n\nexport const { GET, POST } = toNextJsHandler(auth);\n` },
      {
        path: 'lib/auth-middleware.ts',
        content: `// Written by flagless codemod: an optimistic check of Better Auth's session cookie.\nimport { NextResponse, type NextRequest } from 'next/server';\nimport { getSessionCookie } from 'better-auth/cookies';\n\nexport function requireSessionCookie(request: NextRequest) {\n  if (!getSessionCookie(request)) return NextResponse.redirect(new URL('/sign-in', request.url));\n  return NextResponse.next();\n}\n`,
      },
      { path: 'components/auth-controls.tsx', content: `'use client';\n\n` + controls("import { authClient } from '../lib/auth-client';", '/sign-in') },
    ],
  };
}

function reactRules(): CodemodRules {
  return {
    from: 'clerk',
    to: 'better-auth',
    framework: 'react',
    legacyModules: ['@clerk/'],
    symbols: {
      ...SHARED,
      ...clientHooks('~/lib/auth-client'),
      ...Object.fromEntries(['SignedIn', 'SignedOut', 'SignInButton', 'SignUpButton', 'SignOutButton'].map((name) => [name, { action: 'replace', to: { module: '~/auth-controls', name }, jsxProps: '' } satisfies SymbolRule])),
    },
    unknownSymbol: { text: 'no Better Auth equivalent known to flagless: rewrite by hand', docs: CLIENT_DOCS },
    userFields: USER_FIELDS,
    packages: { add: { 'better-auth': '^1.7.25' } },
    env: {
      legacyMarkers: ['CLERK_'],
      add: [{ name: 'VITE_BETTER_AUTH_URL', placeholder: 'http://localhost:3000', comment: 'where the Better Auth server runs' }],
      note: { text: 'the client needs VITE_BETTER_AUTH_URL (the Better Auth server) instead.', docs: CLIENT_DOCS },
    },
    supportFiles: [
      { path: 'lib/auth-client.ts', content: `// Written by flagless codemod: Better Auth's React client.\nimport { createAuthClient } from 'better-auth/react';\nimport { jwtClient } from 'better-auth/client/plugins';\n\n// TODO(flagless): getToken() became authClient.token(), from Better Auth's jwt plugin: add jwt() to the server's plugins (${JWT_DOCS})\nexport const authClient = createAuthClient({ baseURL: import.meta.env.VITE_BETTER_AUTH_URL, plugins: [jwtClient()] });\n` },
      { path: 'auth-controls.tsx', content: controls("import { authClient } from './lib/auth-client';", '/sign-in') },
    ],
  };
}

export function betterAuthCodemodFromClerk(framework: AppFramework): CodemodRules {
  return framework === 'nextjs' ? nextRules() : reactRules();
}
