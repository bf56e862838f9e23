/**
 * The project's password hash parameters, which `firebase auth:export` does not include. The
 * Firebase console shows them (Authentication > Users > ⋮ > Password hash parameters) as
 *
 *   hash_config {
 *     algorithm: SCRYPT,
 *     base64_signer_key: <...>,
 *     base64_salt_separator: <...>,
 *     rounds: 8,
 *     mem_cost: 14,
 *   }
 *
 * (https://firebase.google.com/docs/cli/auth). Accepted here: that text pasted as is, or JSON with
 * the same names, in snake_case or camelCase (`signerKey`, `saltSeparator`, `memCost`), and the
 * names of `firebase auth:import`'s flags (`hash-key`, `salt-separator`, `mem-cost`).
 * Pure: the caller reads the file.
 */

export interface FirebaseHashConfig {
  /** Base64, as the console shows it. A project secret: never logged. */
  signerKey: string;
  saltSeparator: string;
  rounds: number;
  memCost: number;
}

export type HashConfigResult =
  | { ok: true; config: FirebaseHashConfig }
  | { ok: false; code: 'E_HASH_CONFIG_MISSING' | 'E_HASH_UNSUPPORTED'; message: string };

/** Names folded to lower case without separators, mapped to our fields. */
const FIELD_NAMES: Record<string, keyof FirebaseHashConfig | 'algorithm'> = {
  algorithm: 'algorithm',
  hashalgo: 'algorithm',
  hashalgorithm: 'algorithm',
  base64signerkey: 'signerKey',
  signerkey: 'signerKey',
  hashkey: 'signerKey',
  key: 'signerKey',
  base64saltseparator: 'saltSeparator',
  saltseparator: 'saltSeparator',
  rounds: 'rounds',
  memcost: 'memCost',
  memorycost: 'memCost',
};

function fold(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** `name: value` pairs of the console's text form (values unquoted or quoted, commas optional). */
function consolePairs(text: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const re = /([A-Za-z_][A-Za-z0-9_-]*)\s*[:=]\s*("[^"\n]*"|'[^'\n]*'|[^,\n}]+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const value = (m[2] ?? '').trim().replace(/^["']|["']$/g, '');
    pairs.set(m[1] ?? '', value);
  }
  return pairs;
}

function jsonPairs(value: unknown, into: Map<string, string>): void {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number') into.set(k, String(v));
    // `{"hash_config": {...}}` or `{"hashConfig": {...}}`: look one level down too.
    else if (v && typeof v === 'object') jsonPairs(v, into);
  }
}

function toInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d{1,7}\s*$/.test(value)) return undefined;
  return Number(value);
}

export function parseHashConfig(text: string): HashConfigResult {
  const pairs = new Map<string, string>();
  const trimmed = text.trim();
  let parsedJson = false;
  if (trimmed.startsWith('{')) {
    try {
      jsonPairs(JSON.parse(trimmed), pairs);
      parsedJson = true;
    } catch {
      // Not JSON: the console's text form also starts with a brace after `hash_config`.
    }
  }
  if (!parsedJson) for (const [k, v] of consolePairs(text)) pairs.set(k, v);

  const fields: Partial<Record<keyof FirebaseHashConfig | 'algorithm', string>> = {};
  for (const [name, value] of pairs) {
    const field = FIELD_NAMES[fold(name)];
    if (field) fields[field] = value;
  }

  const algorithm = (fields.algorithm ?? 'SCRYPT').toUpperCase();
  if (algorithm !== 'SCRYPT') {
    return {
      ok: false,
      code: 'E_HASH_UNSUPPORTED',
      message: `the hash config names algorithm ${algorithm}; Firebase exports only SCRYPT (its modified scrypt) hashes, so flagless reads only that`,
    };
  }
  const rounds = toInt(fields.rounds);
  const memCost = toInt(fields.memCost);
  const missing: string[] = [];
  if (!fields.signerKey) missing.push('base64_signer_key');
  if (fields.saltSeparator === undefined) missing.push('base64_salt_separator');
  if (rounds === undefined) missing.push('rounds');
  if (memCost === undefined) missing.push('mem_cost');
  if (missing.length > 0) {
    return {
      ok: false,
      code: 'E_HASH_CONFIG_MISSING',
      message: `the hash config lacks ${missing.join(', ')}: copy all of hash_config from the Firebase console (Authentication > Users > ⋮ > Password hash parameters)`,
    };
  }
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(fields.signerKey ?? '') || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(fields.saltSeparator ?? '')) {
    return { ok: false, code: 'E_HASH_CONFIG_MISSING', message: 'the hash config signer key or salt separator is not base64' };
  }
  return {
    ok: true,
    config: { signerKey: fields.signerKey ?? '', saltSeparator: fields.saltSeparator ?? '', rounds: rounds ?? 8, memCost: memCost ?? 14 },
  };
}

/** The JSON form flagless writes next to a generated export (the console's names). */
export function formatHashConfig(config: FirebaseHashConfig): string {
  return `${JSON.stringify(
    {
      algorithm: 'SCRYPT',
      base64_signer_key: config.signerKey,
      base64_salt_separator: config.saltSeparator,
      rounds: config.rounds,
      mem_cost: config.memCost,
    },
    null,
    2,
  )}\n`;
}
