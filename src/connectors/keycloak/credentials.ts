// Pure builders: a canonical PasswordHash or TOTP secret -> the CredentialRepresentation that
// Keycloak 26 stores as is when it arrives in `credentials` of POST /admin/realms/{realm}/users
// (or a partial import). Formats confirmed against Keycloak 26.7.3 (PasswordCredentialData,
// PasswordSecretData, OTPCredentialData, Argon2PasswordHashProvider, Pbkdf2PasswordHashProvider)
// and by sign-ins on the real server (test/keycloak/server.test.ts).
//
// Keycloak compares PBKDF2 and Argon2 hashes as standard base64 strings WITH padding, so every
// value here is Buffer#toString('base64'). `salt` is read with Java's MIME base64 decoder.
import { HashError, hashParts, type HashAlgorithm, type PasswordHash } from '../../model/password/index.js';
import { splitPhc } from '../../model/password/phc-fields.js';
import type { Secret } from '../../model/secret.js';
import { FlaglessError } from '../../protocol/errors.js';

/** The subset of Keycloak's CredentialRepresentation that imports use. */
export interface KeycloakCredential {
  type: 'password' | 'otp';
  userLabel?: string;
  /** JSON text (Keycloak stores the string itself); never secret. */
  credentialData: string;
  /**
   * JSON text holding the hash, salt or OTP secret in the clear: hand the credential to the admin
   * API and nothing else (never a log, report or error message).
   */
  secretData: string;
}

/** Keycloak's provider id per canonical algorithm; bcrypt and firebase-scrypt need flagless's extension. */
const KEYCLOAK_ALGORITHM: Partial<Record<HashAlgorithm, string>> = {
  'pbkdf2-sha1': 'pbkdf2',
  'pbkdf2-sha256': 'pbkdf2-sha256',
  'pbkdf2-sha512': 'pbkdf2-sha512',
  argon2id: 'argon2',
  argon2i: 'argon2',
  argon2d: 'argon2',
  bcrypt: 'bcrypt',
  'firebase-scrypt': 'firebase-scrypt',
};

/** The algorithms that need the flagless extension in the server's providers/. */
export const EXTENSION_ALGORITHMS: ReadonlySet<HashAlgorithm> = new Set<HashAlgorithm>(['bcrypt', 'firebase-scrypt']);

/** Whether Keycloak (with the flagless extension deployed) can verify this algorithm. */
export function keycloakCanImport(algorithm: HashAlgorithm): boolean {
  return KEYCLOAK_ALGORITHM[algorithm] !== undefined;
}

/** Keycloak's `algorithm` id for a canonical algorithm, or undefined when it cannot verify it. */
export function keycloakAlgorithmId(algorithm: HashAlgorithm): string | undefined {
  return KEYCLOAK_ALGORITHM[algorithm];
}

const b64 = (bytes: Buffer): string => bytes.toString('base64');
const multi = (params: Record<string, string | number>): Record<string, string[]> =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [String(v)]]));

function passwordCredential(
  algorithm: string,
  hashIterations: number,
  secret: { value: string; salt?: string; additionalParameters?: Record<string, string[]> },
  additionalParameters: Record<string, string[]> = {},
): KeycloakCredential {
  return {
    type: 'password',
    credentialData: JSON.stringify({ hashIterations, algorithm, additionalParameters }),
    secretData: JSON.stringify({ additionalParameters: {}, ...secret }),
  };
}

function intParam(h: PasswordHash, name: string): number {
  const v = Number(h.params[name]);
  if (!Number.isSafeInteger(v)) throw new HashError('E_HASH_MALFORMED', `${h.algorithm} has no integer '${name}' parameter`);
  return v;
}

/**
 * The password credential that makes Keycloak verify `h` natively (PBKDF2, Argon2) or through
 * the flagless extension (bcrypt, firebase-scrypt). Throws HashError E_HASH_UNSUPPORTED for
 * algorithms Keycloak cannot verify (plain scrypt, salted SHA, MD5): those users need the JIT
 * gateway or an UPDATE_PASSWORD required action instead.
 *
 * Layouts (credentialData / secretData):
 * - pbkdf2[-sha256|-sha512]: {hashIterations:i, algorithm, additionalParameters:{}} /
 *   {value:b64(dk), salt:b64(salt)}; the key length is taken from the value.
 * - argon2: {hashIterations:t, algorithm:'argon2', additionalParameters:{type:['id'|'i'|'d'],
 *   version:['1.3'|'1.0'], memory:[KiB], parallelism:[p], hashLength:[bytes]}} / {value, salt}.
 * - bcrypt: {hashIterations:cost, algorithm:'bcrypt'} / {value:'$2b$10$...'} (salt inside the value).
 * - firebase-scrypt: {hashIterations:rounds, algorithm:'firebase-scrypt', additionalParameters:
 *   {rounds:[r], memCost:[m]}} / {value:b64(hash), salt:b64(salt), additionalParameters:
 *   {signerKey:[b64], saltSeparator:[b64]}} (the signer key stays in secretData, which the admin
 *   API never returns).
 */
export function keycloakPasswordCredential(h: PasswordHash): KeycloakCredential {
  const id = KEYCLOAK_ALGORITHM[h.algorithm];
  if (id === undefined) {
    throw new HashError('E_HASH_UNSUPPORTED', `Keycloak cannot verify ${h.algorithm} hashes`);
  }
  switch (h.algorithm) {
    case 'bcrypt':
      return passwordCredential(id, intParam(h, 'cost'), { value: h.phc.reveal() });
    case 'firebase-scrypt': {
      const fields = splitPhc(h.phc.reveal(), 'firebase-scrypt');
      const { salt, hash } = hashParts(h);
      const signerKey = Buffer.from(fields.params.get('sk') ?? '', 'base64');
      const separator = Buffer.from(fields.params.get('ss') ?? '', 'base64');
      const rounds = intParam(h, 'rounds');
      return passwordCredential(
        id,
        rounds,
        { value: b64(hash), salt: b64(salt), additionalParameters: multi({ signerKey: b64(signerKey), saltSeparator: b64(separator) }) },
        multi({ rounds, memCost: intParam(h, 'memCost') }),
      );
    }
    case 'argon2id':
    case 'argon2i':
    case 'argon2d': {
      const { salt, hash } = hashParts(h);
      const version = intParam(h, 'version') === 16 ? '1.0' : '1.3';
      return passwordCredential(
        id,
        intParam(h, 'timeCost'),
        { value: b64(hash), salt: b64(salt) },
        multi({
          type: h.algorithm.slice('argon2'.length),
          version,
          memory: intParam(h, 'memoryCost'),
          parallelism: intParam(h, 'parallelism'),
          hashLength: hash.length,
        }),
      );
    }
    default: {
      const { salt, hash } = hashParts(h);
      return passwordCredential(id, intParam(h, 'iterations'), { value: b64(hash), salt: b64(salt) });
    }
  }
}

export interface TotpOptions {
  /** The shared secret in base32 (RFC 4648, as authenticator apps and every source export it). */
  secret: Secret;
  digits?: 6 | 8;
  period?: number;
  algorithm?: 'HmacSHA1' | 'HmacSHA256' | 'HmacSHA512';
  label?: string;
}

/**
 * A TOTP credential. `secretEncoding: 'BASE32'` makes Keycloak base32-decode the value
 * (OTPCredentialModel.getDecodedSecret); without it Keycloak would use the UTF-8 bytes of the
 * text itself as the key, which is its own enrolment format, not the one sources export.
 */
export function keycloakOtpCredential(options: TotpOptions): KeycloakCredential {
  const value = options.secret.reveal().replace(/[\s=-]/g, '').toUpperCase();
  if (!/^[A-Z2-7]+$/.test(value)) throw new FlaglessError('E_SOURCE_FIELD', 'TOTP secret is not base32', { errorClass: 'skippable' });
  return {
    type: 'otp',
    userLabel: options.label ?? 'Authenticator',
    credentialData: JSON.stringify({
      subType: 'totp',
      digits: options.digits ?? 6,
      counter: 0,
      period: options.period ?? 30,
      algorithm: options.algorithm ?? 'HmacSHA1',
      secretEncoding: 'BASE32',
    }),
    secretData: JSON.stringify({ value }),
  };
}
