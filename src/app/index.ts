/**
 * flagless as a library (the package's main export): typed functions that take options objects,
 * the same ones the CLI calls once it has turned flags into options.
 *
 * Layers: app is the composition root. It opens connectors (through the registry), runs the
 * engine over the state layer, and composes the gateway's HTTP server for `serve`; the CLI is
 * flags → options → these calls. So app imports connectors, engine, state, gateway, lib; nothing
 * below app (connectors, engine, state, lib, protocol, model) and not the gateway imports app, and
 * app imports nothing from the CLI. The gateway is a part app assembles (like the engine), not a
 * caller of app: serve needs a store, a legacy verifier, a target and an index, and only app knows
 * how to open them from options.
 */
export { assess, type AssessOptions } from './assess.js';
export { generate, type GenerateExportOptions, type GeneratedExport } from './generate.js';
export { exportSourceApi, type ExportSourceApiOptions } from './export-api.js';
export { migrate, planMigration, type MigrateOptions, type MigrationPlan } from './migrate.js';
export { openSource, sourceVendors, type KnownSourceVendor, type OpenSourceOptions } from './open-source.js';
export { openTarget, targetNames, type OpenedTarget, type OpenTargetOptions } from './open-target.js';
export { serve, type LegacyMode, type ServeHandle, type ServeOptions, type ServeSsoOptions } from './serve.js';
export { verify, type VerifyOptions, type VerifyResult } from './verify.js';
export { auth0CustomDatabaseScripts } from './auth0-scripts.js';
export { flipSsoConnection, loadSsoProxyConfig, parseSsoConfigDocument, ssoStatus, type SsoFlipOptions, type SsoStatusReport } from './sso-cutover.js';

export type { AssessReport } from '../engine/assess/assess.js';
export type { PlanReport } from '../engine/plan-report.js';
export type { Progress } from '../engine/progress.js';
export type { MigrateSummary } from '../engine/summary.js';
export type { VerifyReport } from '../engine/verify.js';
export type { Credential, LoginReport } from '../engine/verify-logins.js';
export type { CanonicalUser, Organization } from '../model/user.js';
export * from '../protocol/index.js';
