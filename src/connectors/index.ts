/**
 * The one list of connectors. The CLI composes commands from it; model, protocol and engine
 * never import it. Vendor modules (and their SDKs) load lazily, on first use.
 */
import type { TargetCapabilities } from '../protocol/capabilities.js';
import type { Generator } from '../protocol/generate.js';
import type { SourceConnector } from '../protocol/source.js';
import type { TargetConnector } from '../protocol/target.js';
import { betterAuthCapabilities } from './better-auth/capabilities.js';
import { keycloakCapabilities } from './keycloak/capabilities.js';
import { workosCapabilities } from './workos/capabilities.js';

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
];

/** Target connector modules by target name, loaded lazily (their SDKs with them). */
export const TARGET_MODULES: Record<string, () => Promise<{ target: TargetConnector }>> = {
  workos: () => import('./workos/index.js'),
  keycloak: () => import('./keycloak/index.js'),
  'better-auth': () => import('./better-auth/index.js'),
};
