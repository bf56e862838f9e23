/**
 * The one list of connectors. The CLI composes commands from it; model, protocol and engine
 * never import it. Vendor modules (and their SDKs) load lazily, on first use.
 */
import type { AppFootprint } from '../protocol/app-footprint.js';
import type { SocialConnection, TargetDoctor } from '../protocol/doctor.js';
import type { AppFramework, CodemodRules } from '../protocol/codemod.js';
import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { Generator } from '../protocol/generate.js';
import type { SourceConnector, SourceVendor } from '../protocol/source.js';
import type { SsoSourceReader } from '../protocol/sso-source.js';
import type { SsoTargetSetup } from '../protocol/sso-setup.js';
import type { TargetConnector } from '../protocol/target.js';
import { auth0AppFootprint } from './auth0/app-footprint.js';
import { auth0SocialConnections } from './auth0/social-connections.js';
import { betterAuthCapabilities } from './better-auth/capabilities.js';
import { betterAuthCodemodFromClerk } from './better-auth/codemod-from-clerk.js';
import { clerkAppFootprint } from './clerk/app-footprint.js';
import { cognitoAppFootprint } from './cognito/app-footprint.js';
import { firebaseAppFootprint } from './firebase/app-footprint.js';
import { keycloakCapabilities } from './keycloak/capabilities.js';
import { keycloakCodemodFromClerk } from './keycloak/codemod-from-clerk.js';
import { kratosCapabilities } from './kratos/capabilities.js';
import { workosCapabilities } from './workos/capabilities.js';
import { workosCodemodFromClerk } from './workos/codemod-from-clerk.js';

export interface SourceModule {
  source: SourceConnector;
  generate: Generator;
}

/** Source connector modules by vendor: its keys are the one list of the source vendors this build reads. */
export const SOURCE_MODULES = {
  clerk: () => import('./clerk/index.js'),
  auth0: () => import('./auth0/index.js'),
  firebase: () => import('./firebase/index.js'),
  cognito: () => import('./cognito/index.js'),
} satisfies Record<string, () => Promise<SourceModule>>;

/** A source vendor this build knows (`clerk`, `auth0`, ...). */
export type KnownSourceVendor = keyof typeof SOURCE_MODULES;

/** The source vendors, in the registry's order. */
export const SOURCE_VENDORS = Object.keys(SOURCE_MODULES) as KnownSourceVendor[];

export async function loadAllSources(): Promise<SourceModule[]> {
  return Promise.all(Object.values(SOURCE_MODULES).map((load) => load()));
}

/** Every target flagless knows, as capability data (for `assess` and the engine). */
export const TARGET_CAPABILITIES: readonly TargetCapabilities[] = [
  workosCapabilities,
  keycloakCapabilities,
  betterAuthCapabilities,
  kratosCapabilities,
];

/** Target connector modules by target name, loaded lazily (their SDKs with them). */
export const TARGET_MODULES: Record<string, () => Promise<{ target: TargetConnector }>> = {
  workos: () => import('./workos/index.js'),
  keycloak: () => import('./keycloak/index.js'),
  'better-auth': () => import('./better-auth/index.js'),
  kratos: () => import('./kratos/index.js'),
};

/** What each source provider's SDK looks like in an application's code (for `inventory`, `assess --app`). */
export const APP_FOOTPRINTS: Record<SourceVendor, AppFootprint> = {
  clerk: clerkAppFootprint,
  auth0: auth0AppFootprint,
  firebase: firebaseAppFootprint,
  cognito: cognitoAppFootprint,
};

/** Codemods by legacy provider, then target: each gives the rules for a framework. */
export const CODEMODS: Record<string, Record<string, (framework: AppFramework) => CodemodRules>> = {
  clerk: {
    workos: workosCodemodFromClerk,
    'better-auth': betterAuthCodemodFromClerk,
    keycloak: keycloakCodemodFromClerk,
  },
};

/** Each target's configuration preflight (`flagless doctor`), loaded lazily with its SDK. */
export const TARGET_DOCTORS: Record<string, () => Promise<TargetDoctor>> = {
  workos: async () => (await import('./workos/doctor.js')).workosDoctor,
  keycloak: async () => (await import('./keycloak/doctor.js')).keycloakDoctor,
  'better-auth': async () => (await import('./better-auth/doctor.js')).betterAuthDoctor,
  kratos: async () => (await import('./kratos/doctor.js')).kratosDoctor,
};

/** Legacy providers whose social-connection listings flagless reads (others: `[{provider, clientId}]`). */
export const LEGACY_SOCIAL_READERS: Record<string, (json: unknown) => SocialConnection[] | undefined> = {
  auth0: auth0SocialConnections,
};

/** Each legacy provider's enterprise-connection reader (`flagless sso inventory`), loaded lazily with its SDK. */
export const SSO_SOURCES: Record<string, () => Promise<SsoSourceReader>> = {
  auth0: async () => (await import('./auth0/sso.js')).auth0SsoReader,
  cognito: async () => (await import('./cognito/sso.js')).cognitoSsoReader,
  clerk: async () => (await import('./clerk/sso.js')).clerkSsoReader,
  firebase: async () => (await import('./firebase/sso.js')).firebaseSsoReader,
};

/** Each target's enterprise-connection setup (`flagless sso setup`), loaded lazily with its SDK. */
export const SSO_TARGETS: Record<string, () => Promise<SsoTargetSetup>> = {
  workos: async () => (await import('./workos/sso-setup.js')).workosSsoSetup,
  keycloak: async () => (await import('./keycloak/sso-setup.js')).keycloakSsoSetup,
  kratos: async () => (await import('./kratos/sso-setup.js')).kratosSsoSetup,
};
