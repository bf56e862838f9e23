/**
 * The protocol, as the package publishes it (`flagless/protocol`): the interfaces a connector
 * implements (Source, Target, LegacyVerifier, generators), capabilities as data, problems, and
 * the closed set of error codes, and the one HTTP status → error class mapping connectors use.
 */
export type * from './capabilities.js';
export type * from './generate.js';
export type * from './legacy.js';
export type * from './problem.js';
export type * from './source.js';
export type * from './target.js';
export type * from './sso.js';
export { SSO_PROXY_THRESHOLD } from './sso.js';
export { LEGACY_FAILURE_REASONS } from './legacy.js';
export { ERROR_CODES, FlaglessError, isFlaglessError, type ErrorClass, type ErrorCode } from './errors.js';
export { invalidCredentials, legacyUnavailable } from './legacy.js';
export { classifyHttpStatus, httpStatusError, isTransientStatus, parseRetryAfter, type HttpSide, type HttpStatusClass } from './http-status.js';
