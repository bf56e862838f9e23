import type { AppFramework, CodemodRules, SymbolRule, TodoNote } from '../../protocol/codemod.js';

/**
 * Clerk → WorkOS AuthKit, for Next.js (@workos-inc/authkit-nextjs) and React SPAs
 * (@workos-inc/authkit-react). Names and shapes from the packages' type declarations
 * (docs/vendor-facts.md, "Application SDKs").
 */

const NEXT_DOCS = 'https://workos.com/docs/sdks/authkit-nextjs';
const REACT_DOCS = 'https://workos.com/docs/sdks/authkit-react';
const WIDGETS = 'https://workos.com/docs/widgets';

const todo = (text: string, docs: string): SymbolRule => ({ action: 'todo', note: { text, docs } });

function sharedTodos(docs: string): Record<string, SymbolRule> {
  return {
    SignIn: todo('AuthKit hosts the sign-in page: send users to it (the sign-in link below) instead of rendering <SignIn/>', docs),
    SignUp: todo('AuthKit hosts the sign-up page: send users to it (the sign-up link) instead of rendering <SignUp/>', docs),
    UserButton: todo('WorkOS has no user-menu component: build one from useAuth() (user, signOut), or use the User Profile widget', WIDGETS),
    UserProfile: todo('use the WorkOS User Profile / User Security widgets', WIDGETS),
    OrganizationSwitcher: todo('organization switching: switchToOrganization() from useAuth(), or the Organization Switcher widget; semantics differ from Clerk (a session has one organization)', WIDGETS),
    OrganizationProfile: todo('use the WorkOS Users Management widget for organization members', WIDGETS),
    OrganizationList: todo('list organizations through the WorkOS API (userManagement.listOrganizationMemberships)', WIDGETS),
    CreateOrganization: todo('create organizations through the WorkOS API (organizations.createOrganization)', WIDGETS),
    useClerk: todo('useClerk() has no equivalent: use useAuth() for signOut and the session, the WorkOS API for the rest', docs),
    useSession: todo('the session is in useAuth() (sessionId, organizationId, role)', docs),
    useSignIn: todo('AuthKit hosts sign-in: custom sign-in flows use the WorkOS User Management API', docs),
    useSignUp: todo('AuthKit hosts sign-up: custom sign-up flows use the WorkOS User Management API', docs),
    useOrganization: todo('the active organization id is organizationId from useAuth(); fetch details with the WorkOS API', docs),
    useOrganizationList: todo('list memberships with the WorkOS API (userManagement.listOrganizationMemberships)', docs),
    Protect: todo('gate on role/permissions from useAuth() (role, permissions)', docs),
  };
}

const USER_FIELDS: Record<string, string | TodoNote> = {
  imageUrl: 'profilePictureUrl',
  primaryEmailAddress: { text: 'WorkOS users have one address: user.email (a string)', docs: 'https://workos.com/docs/reference/authkit/user' },
  emailAddresses: { text: 'WorkOS users have one address: user.email (a string)', docs: 'https://workos.com/docs/reference/authkit/user' },
  fullName: { text: 'build it from user.firstName and user.lastName', docs: 'https://workos.com/docs/reference/authkit/user' },
  username: { text: 'WorkOS users have no username', docs: 'https://workos.com/docs/reference/authkit/user' },
  publicMetadata: { text: 'user.metadata holds what flagless migrated from publicMetadata', docs: 'https://workos.com/docs/reference/authkit/user' },
};

const CONTROLS_NEXT = `'use client';

// Written by flagless codemod: Clerk's control components, built on AuthKit's useAuth().
import type { ReactNode } from 'react';
import { useAuth } from '@workos-inc/authkit-nextjs/components';

export function SignedIn({ children }: { children?: ReactNode }) {
  const { user } = useAuth();
  return user ? <>{children}</> : null;
}

export function SignedOut({ children }: { children?: ReactNode }) {
  const { user, loading } = useAuth();
  return !loading && !user ? <>{children}</> : null;
}

/** app/login/route.ts (written with this file) redirects to AuthKit's hosted sign-in. */
export function SignInButton({ children }: { children?: ReactNode }) {
  return <a href="/login">{children ?? 'Sign in'}</a>;
}

export function SignUpButton({ children }: { children?: ReactNode }) {
  return <a href="/signup">{children ?? 'Sign up'}</a>;
}

export function SignOutButton({ children }: { children?: ReactNode }) {
  const { signOut } = useAuth();
  return (
    <button type="button" onClick={() => void signOut()}>
      {children ?? 'Sign out'}
    </button>
  );
}
`;

const CONTROLS_REACT = `// Written by flagless codemod: Clerk's control components, built on AuthKit's useAuth().
import type { ReactNode } from 'react';
import { useAuth } from '@workos-inc/authkit-react';

export function SignedIn({ children }: { children?: ReactNode }) {
  const { user } = useAuth();
  return user ? <>{children}</> : null;
}

export function SignedOut({ children }: { children?: ReactNode }) {
  const { user, isLoading } = useAuth();
  return !isLoading && !user ? <>{children}</> : null;
}

export function SignInButton({ children }: { children?: ReactNode }) {
  const { signIn } = useAuth();
  return (
    <button type="button" onClick={() => void signIn()}>
      {children ?? 'Sign in'}
    </button>
  );
}

export function SignUpButton({ children }: { children?: ReactNode }) {
  const { signUp } = useAuth();
  return (
    <button type="button" onClick={() => void signUp()}>
      {children ?? 'Sign up'}
    </button>
  );
}

export function SignOutButton({ children }: { children?: ReactNode }) {
  const { signOut } = useAuth();
  return (
    <button type="button" onClick={() => signOut()}>
      {children ?? 'Sign out'}
    </button>
  );
}
`;

const controls = (module: string): Record<string, SymbolRule> =>
  Object.fromEntries(['SignedIn', 'SignedOut', 'SignInButton', 'SignUpButton', 'SignOutButton'].map((name) => [name, { action: 'replace', to: { module, name }, jsxProps: '' }]));

function nextRules(): CodemodRules {
  const components = '@workos-inc/authkit-nextjs/components';
  const server = '@workos-inc/authkit-nextjs';
  return {
    from: 'clerk',
    to: 'workos',
    framework: 'nextjs',
    legacyModules: ['@clerk/'],
    symbols: {
      ...sharedTodos(NEXT_DOCS),
      ...controls('~/components/auth-controls'),
      ClerkProvider: { action: 'replace', to: { module: components, name: 'AuthKitProvider' }, jsxProps: '' },
      useUser: {
        action: 'replace',
        to: { module: components, name: 'useAuth' },
        bindings: { user: 'user', isLoaded: { expr: '!${loading}' }, isSignedIn: { expr: '!!${user}' } },
        userBindings: ['user'],
      },
      useAuth: {
        action: 'replace',
        to: { module: components, name: 'useAuth' },
        bindings: {
          userId: { expr: '${user}?.id ?? null' },
          isSignedIn: { expr: '!!${user}' },
          isLoaded: { expr: '!${loading}' },
          sessionId: 'sessionId',
          orgId: 'organizationId',
          orgRole: 'role',
          signOut: 'signOut',
        },
        note: undefined,
      },
      auth: {
        action: 'replace',
        to: { module: server, name: 'withAuth' },
        bindings: { userId: { expr: '${user}?.id ?? null' }, sessionId: 'sessionId', orgId: 'organizationId', orgRole: 'role', orgPermissions: 'permissions' },
      },
      currentUser: { action: 'replace', to: { module: server, name: 'withAuth' }, callTemplate: 'withAuth().then(({ user }) => user)', resultIsUser: true },
      clerkMiddleware: {
        action: 'replace',
        to: { module: server, name: 'authkitMiddleware' },
        callTemplate: 'authkitMiddleware()',
        note: { text: "redo the route protection of Clerk's middleware callback with authkitMiddleware({ middlewareAuth: { enabled: true, unauthenticatedPaths: [...] } }) (AuthKit lists the public paths, Clerk the protected ones)", docs: NEXT_DOCS },
      },
      createRouteMatcher: todo('AuthKit protects every path but middlewareAuth.unauthenticatedPaths: move this list there (inverted)', NEXT_DOCS),
      clerkClient: todo('use the WorkOS Node SDK: getWorkOS() from @workos-inc/authkit-nextjs (userManagement, organizations)', NEXT_DOCS),
      verifyWebhook: todo('WorkOS events: verify with workos.webhooks.constructEvent, or poll the Events API', 'https://workos.com/docs/events'),
    },
    unknownSymbol: { text: 'no WorkOS equivalent known to flagless: rewrite by hand', docs: NEXT_DOCS },
    userFields: USER_FIELDS,
    packages: { add: { '@workos-inc/authkit-nextjs': '^4.3.2', '@workos-inc/node': '^10.14.0' } },
    env: {
      legacyMarkers: ['CLERK_'],
      add: [
        { name: 'WORKOS_CLIENT_ID', placeholder: 'client_', comment: 'WorkOS dashboard → API keys (starts with client_)' },
        { name: 'WORKOS_API_KEY', placeholder: 'sk_test_', comment: 'WorkOS dashboard → API keys (starts with sk_)' },
        { name: 'WORKOS_COOKIE_PASSWORD', placeholder: '', comment: 'at least 32 characters: openssl rand -base64 24' },
        { name: 'NEXT_PUBLIC_WORKOS_REDIRECT_URI', placeholder: 'http://localhost:3000/callback', comment: 'also set in the WorkOS dashboard → Redirects' },
      ],
      note: { text: 'set the WorkOS equivalent (WORKOS_CLIENT_ID, WORKOS_API_KEY, WORKOS_COOKIE_PASSWORD, NEXT_PUBLIC_WORKOS_REDIRECT_URI).', docs: NEXT_DOCS },
    },
    supportFiles: [
      { path: 'components/auth-controls.tsx', content: CONTROLS_NEXT },
      { path: 'app/callback/route.ts', always: true, content: `// Written by flagless codemod: AuthKit's redirect URI (NEXT_PUBLIC_WORKOS_REDIRECT_URI).\nimport { handleAuth } from '@workos-inc/authkit-nextjs';\n\nexport const GET = handleAuth();\n` },
      { path: 'app/login/route.ts', always: true, content: `// Written by flagless codemod: sends the user to AuthKit's hosted sign-in.\nimport { redirect } from 'next/navigation';\nimport { getSignInUrl } from '@workos-inc/authkit-nextjs';\n\nexport async function GET() {\n  redirect(await getSignInUrl());\n}\n` },
      { path: 'app/signup/route.ts', always: true, content: `// Written by flagless codemod: sends the user to AuthKit's hosted sign-up.\nimport { redirect } from 'next/navigation';\nimport { getSignUpUrl } from '@workos-inc/authkit-nextjs';\n\nexport async function GET() {\n  redirect(await getSignUpUrl());\n}\n` },
    ],
  };
}

function reactRules(): CodemodRules {
  const sdk = '@workos-inc/authkit-react';
  return {
    from: 'clerk',
    to: 'workos',
    framework: 'react',
    legacyModules: ['@clerk/'],
    symbols: {
      ...sharedTodos(REACT_DOCS),
      ...controls('~/auth-controls'),
      ClerkProvider: { action: 'replace', to: { module: sdk, name: 'AuthKitProvider' }, jsxProps: 'clientId={import.meta.env.VITE_WORKOS_CLIENT_ID}' },
      useUser: {
        action: 'replace',
        to: { module: sdk, name: 'useAuth' },
        bindings: { user: 'user', isLoaded: { expr: '!${isLoading}' }, isSignedIn: { expr: '!!${user}' } },
        userBindings: ['user'],
      },
      useAuth: {
        action: 'replace',
        to: { module: sdk, name: 'useAuth' },
        bindings: {
          userId: { expr: '${user}?.id ?? null' },
          isSignedIn: { expr: '!!${user}' },
          isLoaded: { expr: '!${isLoading}' },
          orgId: 'organizationId',
          orgRole: 'role',
          getToken: 'getAccessToken',
          signOut: 'signOut',
        },
      },
    },
    unknownSymbol: { text: 'no WorkOS equivalent known to flagless: rewrite by hand', docs: REACT_DOCS },
    userFields: USER_FIELDS,
    packages: { add: { [sdk]: '^0.16.2' } },
    env: {
      legacyMarkers: ['CLERK_'],
      add: [{ name: 'VITE_WORKOS_CLIENT_ID', placeholder: 'client_', comment: 'WorkOS dashboard → API keys; add this origin under Redirects / CORS' }],
      note: { text: 'set VITE_WORKOS_CLIENT_ID instead.', docs: REACT_DOCS },
    },
    supportFiles: [{ path: 'auth-controls.tsx', content: CONTROLS_REACT }],
  };
}

export function workosCodemodFromClerk(framework: AppFramework): CodemodRules {
  return framework === 'nextjs' ? nextRules() : reactRules();
}
