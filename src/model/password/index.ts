// Password hashes: parse, detect, verify, create and describe. Pure model code: node:crypto,
// @node-rs/bcrypt and @node-rs/argon2 only (the native modules load on first verify or hash).
export * from './types.js';
export { HashError, type HashErrorCode } from './errors.js';
export type { HashParams, HashParts } from './scheme.js';
export { parsePhc } from './phc.js';
export { detectHash } from './detect.js';
export { verifyPassword, hashPassword, hashParts, describeHash } from './verify.js';
export { fromBcrypt } from './bcrypt.js';
export { fromFirebaseScrypt, firebaseScryptInput, type FirebaseScryptInput } from './firebase-scrypt.js';
export { fromPbkdf2, type Pbkdf2Input, type Pbkdf2Digest } from './pbkdf2.js';
export { fromSaltedSha, type SaltedShaInput } from './salted-sha.js';
export { fromMd5 } from './md5.js';
export type { SaltPosition } from './salted-digest.js';
export { hashCostExcess, parseHashCostCeiling, formatHashCostCeiling, DEFAULT_HASH_COST_CEILING, HASH_COST_KEYS, type HashCostCeiling } from './cost.js';
export { ignoresPartOf, BCRYPT_PASSWORD_BYTES } from './prefix.js';
