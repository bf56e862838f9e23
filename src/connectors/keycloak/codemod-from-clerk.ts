import type { AppFramework, CodemodRules, SymbolRule, TodoNote } from '../../protocol/codemod.js';

/**
 * Clerk → Keycloak: a keycloak-js provider (authorization code + PKCE S256, `login`, `register`,
 * `logout`, `accountManagement`) written into the app, and on Next.js server-side verification of
 * the access token against the realm's JWKS (jose). keycloak-js API from its type declarations
 * (docs/vendor-facts.md, "Application SDKs").
 */

const JS_DOCS = 'https://www.keycloak.org/securing-apps/javascript-adapter';
const ORG_DOCS = 'https://www.keycloak.org/docs/latest/server_admin/#_managing_organizations';

const todo = (text: string, docs: string): SymbolRule => ({ action: 'todo', note: { text, docs } });

const SHARED: Record<string, SymbolRule> = {
  SignIn: todo("Keycloak hosts the sign-in page: call keycloak.login() (the sign-in button) instead of rendering <SignIn/>; style it with a Keycloak theme", JS_DOCS),
  SignUp: todo('Keycloak hosts registration: call keycloak.register() (turn on "User registration" in the realm)', JS_DOCS),
  UserButton: todo("Keycloak has no user-menu component: build one from useKeycloak() (user, keycloak.logout(), keycloak.accountManagement() opens the account console)", JS_DOCS),
  UserProfile: todo("keycloak.accountManagement() opens Keycloak's account console", JS_DOCS),
  OrganizationSwitcher: todo('Keycloak organizations (26+) are realm-level; the token carries them through the organization scope: pick one by hand', ORG_DOCS),
  OrganizationProfile: todo('manage organizations in the Keycloak admin console or admin API', ORG_DOCS),
  OrganizationList: todo("read the organization claim of the token (keycloak.tokenParsed)", ORG_DOCS),
  CreateOrganization: todo('create organizations with the Keycloak admin API', ORG_DOCS),
  useClerk: todo('useClerk() has no equivalent: useKeycloak() gives the keycloak-js instance', JS_DOCS),
  useSession: todo('the session is the keycloak-js instance: useKeycloak().keycloak (token, tokenParsed, sessionId)', JS_DOCS),
  useSignIn: todo('Keycloak hosts sign-in: keycloak.login()', JS_DOCS),
  useSignUp: todo('Keycloak hosts registration: keycloak.register()', JS_DOCS),
  useOrganization: todo("read the organization claim of the token (keycloak.tokenParsed)", ORG_DOCS),
  useOrganizationList: todo("read the organization claim of the token (keycloak.tokenParsed)", ORG_DOCS),
  Protect: todo('gate on keycloak.hasRealmRole() / hasResourceRole()', JS_DOCS),
};

const USER_FIELDS: Record<string, string | TodoNote> = {
  imageUrl: { text: "Keycloak users have no picture unless a 'picture' attribute and mapper are added", docs: JS_DOCS },
  primaryEmailAddress: { text: 'the address is user.email (a string, from the token)', docs: JS_DOCS },
  emailAddresses: { text: 'the address is user.email (a string, from the token)', docs: JS_DOCS },
  fullName: { text: 'build it from user.firstName and user.lastName', docs: JS_DOCS },
};

const hooks = (module: string): Record<string, SymbolRule> => ({
  ClerkProvider: { action: 'replace', to: { module, name: 'KeycloakProvider' }, jsxProps: '' },
  useUser: {
    action: 'replace',
    to: { module, name: 'useKeycloak' },
    bindings: { user: 'user', isLoaded: 'initialized', isSignedIn: 'authenticated' },
    userBindings: ['user'],
  },
  useAuth: {
    action: 'replace',
    to: { module, name: 'useKeycloak' },
    bindings: { userId: { expr: '${user}?.id ?? null' }, isSignedIn: 'authenticated', isLoaded: 'initialized', getToken: 'getToken', signOut: 'signOut' },
  },
  ...Object.fromEntries(['SignedIn', 'SignedOut', 'SignInButton', 'SignUpButton', 'SignOutButton'].map((name) => [name, { action: 'replace', to: { module, name }, jsxProps: '' } satisfies SymbolRule])),
});

/** The provider, its hook and Clerk's control components on keycloak-js; `env` reads the three settings. */
function provider(env: { url: string; realm: string; clientId: string }, useClient: boolean, tokenCookie: boolean): string {
  return `${useClient ? "'use client';\n\n" : ''}// Written by flagless codemod: keycloak-js behind a React context (authorization code flow with PKCE).
import Keycloak from 'keycloak-js';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

export interface KeycloakUser {
  id: string;
  email: string | undefined;
  firstName: string | undefined;
  lastName: string | undefined;
  username: string | undefined;
}

export const keycloak = new Keycloak({ url: ${env.url}, realm: ${env.realm}, clientId: ${env.clientId} });

// One init per page (React runs effects twice in development; keycloak-js allows one init).
let started: Promise<boolean> | undefined;

function userOf(kc: Keycloak): KeycloakUser | null {
  const t = kc.tokenParsed as Record<string, string | undefined> | undefined;
  if (!kc.authenticated || !t?.sub) return null;
  return { id: t.sub, email: t.email, firstName: t.given_name, lastName: t.family_name, username: t.preferred_username };
}
${tokenCookie ? `
/** Server components read the access token from this cookie (verified against the realm's keys in lib/keycloak-server.ts). */
function storeToken(kc: Keycloak) {
  document.cookie = kc.token ? \`kc_token=\${kc.token}; path=/; SameSite=Lax; Secure\` : 'kc_token=; path=/; Max-Age=0';
}
` : ''}
export interface KeycloakState {
  keycloak: Keycloak;
  initialized: boolean;
  authenticated: boolean;
  user: KeycloakUser | null;
  /** A fresh access token (refreshed when it expires within 30 s), or null when signed out. */
  getToken: () => Promise<string | null>;
  signOut: () => Promise<void>;
}

async function getToken(): Promise<string | null> {
  if (!keycloak.authenticated) return null;
  await keycloak.updateToken(30);
  return keycloak.token ?? null;
}

const signOut = () => keycloak.logout();

const KeycloakContext = createContext<KeycloakState>({ keycloak, initialized: false, authenticated: false, user: null, getToken, signOut });

export function KeycloakProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<KeycloakState>({ keycloak, initialized: false, authenticated: false, user: null, getToken, signOut });
  useEffect(() => {
    const update = () => {
      ${tokenCookie ? 'storeToken(keycloak);\n      ' : ''}setState({ keycloak, initialized: true, authenticated: Boolean(keycloak.authenticated), user: userOf(keycloak), getToken, signOut });
    };
    keycloak.onAuthSuccess = update;
    keycloak.onAuthLogout = update;
    keycloak.onAuthRefreshSuccess = update;
    keycloak.onTokenExpired = () => void keycloak.updateToken(30).catch(() => keycloak.login());
    started ??= keycloak.init({ onLoad: 'check-sso', pkceMethod: 'S256', checkLoginIframe: false });
    void started.then(update, update);
  }, []);
  return <KeycloakContext.Provider value={state}>{children}</KeycloakContext.Provider>;
}

export function useKeycloak(): KeycloakState {
  return useContext(KeycloakContext);
}

export function SignedIn({ children }: { children?: ReactNode }) {
  return useKeycloak().authenticated ? <>{children}</> : null;
}

export function SignedOut({ children }: { children?: ReactNode }) {
  const { initialized, authenticated } = useKeycloak();
  return initialized && !authenticated ? <>{children}</> : null;
}

export function SignInButton({ children }: { children?: ReactNode }) {
  return (
    <button type="button" onClick={() => void keycloak.login()}>
      {children ?? 'Sign in'}
    </button>
  );
}

export function SignUpButton({ children }: { children?: ReactNode }) {
  return (
    <button type="button" onClick={() => void keycloak.register()}>
      {children ?? 'Sign up'}
    </button>
  );
}

export function SignOutButton({ children }: { children?: ReactNode }) {
  return (
    <button type="button" onClick={() => void keycloak.logout()}>
      {children ?? 'Sign out'}
    </button>
  );
}
`;
}

const SERVER = `// Written by flagless codemod: the access token (cookie kc_token, or Authorization: Bearer) verified against the realm's JWKS.
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { cookies, headers } from 'next/headers';
import { NextResponse, type NextRequest } from 'next/server';

const issuer = \`\${process.env.KEYCLOAK_URL}/realms/\${process.env.KEYCLOAK_REALM}\`;
const jwks = createRemoteJWKSet(new URL(\`\${issuer}/protocol/openid-connect/certs\`));

async function verify(token: string | undefined): Promise<JWTPayload | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, jwks, { issuer });
    return payload;
  } catch {
    return null;
  }
}

async function tokenOfRequest(): Promise<string | undefined> {
  const bearer = (await headers()).get('authorization')?.match(/^Bearer (.+)$/i)?.[1];
  return bearer ?? (await cookies()).get('kc_token')?.value;
}

export interface KeycloakSession {
  userId: string | null;
  sessionId: string | null;
  claims: JWTPayload | null;
}

export async function getKeycloakSession(): Promise<KeycloakSession> {
  const claims = await verify(await tokenOfRequest());
  return { userId: claims?.sub ?? null, sessionId: typeof claims?.sid === 'string' ? claims.sid : null, claims };
}

export async function currentKeycloakUser() {
  const claims = (await getKeycloakSession()).claims as Record<string, string | undefined> | null;
  if (!claims?.sub) return null;
  return { id: claims.sub, email: claims.email, firstName: claims.given_name, lastName: claims.family_name, username: claims.preferred_username };
}

/** Middleware: visitors without a valid token go to the sign-in page. */
export async function keycloakMiddleware(request: NextRequest) {
  if (!(await verify(request.cookies.get('kc_token')?.value))) return NextResponse.redirect(new URL('/sign-in', request.url));
  return NextResponse.next();
}
`;

function nextRules(): CodemodRules {
  const client = '~/components/keycloak-provider';
  const server = '~/lib/keycloak-server';
  return {
    from: 'clerk',
    to: 'keycloak',
    framework: 'nextjs',
    legacyModules: ['@clerk/'],
    symbols: {
      ...SHARED,
      ...hooks(client),
      auth: { action: 'replace', to: { module: server, name: 'getKeycloakSession' }, bindings: { userId: 'userId', sessionId: 'sessionId' } },
      currentUser: { action: 'replace', to: { module: server, name: 'currentKeycloakUser' }, resultIsUser: true },
      clerkMiddleware: {
        action: 'replace',
        to: { module: server, name: 'keycloakMiddleware' },
        callTemplate: 'keycloakMiddleware',
        note: { text: 'keycloakMiddleware sends visitors without a valid token to /sign-in: narrow config.matcher to the protected paths', docs: JS_DOCS },
      },
      createRouteMatcher: todo('list the protected paths in config.matcher of the middleware instead', JS_DOCS),
      clerkClient: todo('use the Keycloak admin API (@keycloak/keycloak-admin-client) with a confidential client (flagless setup keycloak creates one)', 'https://www.keycloak.org/docs-api/latest/rest-api/'),
      verifyWebhook: todo('Keycloak has no webhooks built in: use an event listener SPI or poll the admin events API', 'https://www.keycloak.org/docs/latest/server_admin/#auditing-and-events'),
    },
    unknownSymbol: { text: 'no Keycloak equivalent known to flagless: rewrite by hand', docs: JS_DOCS },
    userFields: USER_FIELDS,
    packages: { add: { 'keycloak-js': '^26.2.4', jose: '^6.2.19' } },
    env: {
      legacyMarkers: ['CLERK_'],
      add: [
        { name: 'NEXT_PUBLIC_KEYCLOAK_URL', placeholder: 'http://localhost:8080', comment: 'Keycloak base URL (the browser reaches it)' },
        { name: 'NEXT_PUBLIC_KEYCLOAK_REALM', placeholder: 'app', comment: 'the realm users were migrated into' },
        { name: 'NEXT_PUBLIC_KEYCLOAK_CLIENT_ID', placeholder: 'app-frontend', comment: 'the public PKCE client (flagless setup keycloak creates it)' },
        { name: 'KEYCLOAK_URL', placeholder: 'http://localhost:8080', comment: 'Keycloak base URL the server verifies tokens against' },
        { name: 'KEYCLOAK_REALM', placeholder: 'app', comment: 'the realm the server verifies tokens of' },
      ],
      note: { text: 'set the NEXT_PUBLIC_KEYCLOAK_* and KEYCLOAK_* settings instead.', docs: JS_DOCS },
    },
    supportFiles: [
      {
        path: 'components/keycloak-provider.tsx',
        always: true,
        content: provider({ url: 'process.env.NEXT_PUBLIC_KEYCLOAK_URL!', realm: 'process.env.NEXT_PUBLIC_KEYCLOAK_REALM!', clientId: 'process.env.NEXT_PUBLIC_KEYCLOAK_CLIENT_ID!' }, true, true),
      },
      { path: 'lib/keycloak-server.ts', always: true, content: SERVER },
    ],
  };
}

function reactRules(): CodemodRules {
  return {
    from: 'clerk',
    to: 'keycloak',
    framework: 'react',
    legacyModules: ['@clerk/'],
    symbols: { ...SHARED, ...hooks('~/keycloak') },
    unknownSymbol: { text: 'no Keycloak equivalent known to flagless: rewrite by hand', docs: JS_DOCS },
    userFields: USER_FIELDS,
    packages: { add: { 'keycloak-js': '^26.2.4' } },
    env: {
      legacyMarkers: ['CLERK_'],
      add: [
        { name: 'VITE_KEYCLOAK_URL', placeholder: 'http://localhost:8080', comment: 'Keycloak base URL' },
        { name: 'VITE_KEYCLOAK_REALM', placeholder: 'app', comment: 'the realm users were migrated into' },
        { name: 'VITE_KEYCLOAK_CLIENT_ID', placeholder: 'app-frontend', comment: 'the public PKCE client (flagless setup keycloak creates it)' },
      ],
      note: { text: 'set VITE_KEYCLOAK_URL, VITE_KEYCLOAK_REALM and VITE_KEYCLOAK_CLIENT_ID instead.', docs: JS_DOCS },
    },
    supportFiles: [
      {
        path: 'keycloak.tsx',
        always: true,
        content: provider({ url: 'import.meta.env.VITE_KEYCLOAK_URL', realm: 'import.meta.env.VITE_KEYCLOAK_REALM', clientId: 'import.meta.env.VITE_KEYCLOAK_CLIENT_ID' }, false, false),
      },
    ],
  };
}

export function keycloakCodemodFromClerk(framework: AppFramework): CodemodRules {
  return framework === 'nextjs' ? nextRules() : reactRules();
}
