import { toB64 } from './encoding.js';
import { malformed } from './errors.js';

/**
 * The fields of a PHC string `$<id>[$v=<version>]$<k=v,...>$<salt>$<hash>`
 * (https://github.com/P-H-C/phc-string-format). Salt and hash are still encoded here;
 * each algorithm decodes and checks its own.
 */
export interface PhcFields {
  id: string;
  version: number | undefined;
  params: Map<string, string>;
  salt: string;
  hash: string;
}

const PARAM_NAME = /^[a-z0-9-]{1,32}$/;
// Values are decimal numbers or base64 (firebase-scrypt keeps sk/ss here; padded input may carry '=').
const PARAM_VALUE = /^[A-Za-z0-9/+.=_-]*$/;

/** Splits a PHC string; `label` names the algorithm in error messages. */
export function splitPhc(text: string, label: string): PhcFields {
  const parts = text.split('$');
  if (parts[0] !== '' || parts.length < 5 || parts.length > 6) {
    throw malformed(`${label} hash does not have the $id$params$salt$hash layout`);
  }
  const id = parts[1] ?? '';
  let rest = parts.slice(2);
  let version: number | undefined;
  if (rest.length === 4) {
    const v = /^v=([0-9]{1,3})$/.exec(rest[0] ?? '');
    if (!v) throw malformed(`${label} hash has an unexpected field where the version belongs`);
    version = Number(v[1]);
    rest = rest.slice(1);
  }
  const [paramText = '', salt = '', hash = ''] = rest;
  const params = new Map<string, string>();
  if (paramText !== '') {
    for (const pair of paramText.split(',')) {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      if (eq < 0 || !PARAM_NAME.test(name) || !PARAM_VALUE.test(value)) {
        throw malformed(`${label} hash has a parameter that is not name=value`);
      }
      if (params.has(name)) throw malformed(`${label} hash repeats the parameter '${name}'`);
      params.set(name, value);
    }
  }
  if (hash === '') throw malformed(`${label} hash has an empty hash field`);
  return { id, version, params, salt, hash };
}

/** Rejects parameters other than the expected ones (names are not secret). */
export function expectOnlyParams(fields: PhcFields, allowed: readonly string[], label: string): void {
  for (const name of fields.params.keys()) {
    if (!allowed.includes(name)) throw malformed(`${label} hash has an unknown parameter '${name}'`);
  }
}

export function requireParam(fields: PhcFields, name: string, label: string): string {
  const value = fields.params.get(name);
  if (value === undefined || value === '') throw malformed(`${label} hash lacks the parameter '${name}'`);
  return value;
}

/** Formats the canonical string: base64 without padding, parameters in the given order. */
export function formatPhc(
  id: string,
  params: ReadonlyArray<readonly [string, string | number]>,
  salt: Buffer,
  hash: Buffer,
  version?: number,
): string {
  const v = version === undefined ? '' : `$v=${version}`;
  const p = params.map(([k, val]) => `${k}=${val}`).join(',');
  return `$${id}${v}$${p}$${toB64(salt)}$${toB64(hash)}`;
}
