import { hashParts, type PasswordHash } from '../../model/password/index.js';

/**
 * flagless's canonical hashes → the `hashed_password` strings Ory Kratos verifies, and a local
 * copy of the checks Kratos runs on import, so a hash it would refuse never reaches a batch (one
 * unparseable credential fails the whole PATCH /admin/identities request with 400).
 *
 * Formats and bounds from ory/kratos hash/hash_comparator.go and hash/hash_limits.go
 * (docs/vendor-facts.md, "Ory Kratos"):
 * - bcrypt `$2a|2b|2y$…` as is, cost ≤ 15;
 * - `$argon2id$v=19$m=,t=,p=$salt$hash` / `$argon2i$…`, unpadded base64, m ≤ 2^20 KiB, t ≤ 10, p ≤ 16;
 * - `$pbkdf2-sha1|sha256|sha512$i=,l=$salt$hash`, unpadded base64, i ≤ 10,000,000;
 * - `$scrypt$ln=<N>,r=,p=$salt$hash` where, unlike PHC, `ln` holds N itself (Kratos passes it
 *   straight to scrypt.Key), padded base64, N ≤ 2^17, r ≤ 8, p ≤ 10;
 * - `$firescrypt$ln=<mem_cost>,r=<rounds>,p=1$salt$hash$salt_separator$signer_key`, padded base64,
 *   mem_cost ≤ 17, rounds ≤ 8;
 * - `{SSHA}|{SSHA256}|{SSHA512}base64(digest‖salt)` for sha(password‖salt) with a salt;
 * - `$sha1|sha256|sha512$pf=<base64 of the template>$salt$hash` (template `{SALT}{PASSWORD}` or
 *   `{PASSWORD}{SALT}`), padded base64, for the other salted or unsalted SHA digests;
 * - `$md5$<base64>` unsalted, `$md5$pf=<base64 template>$salt$hash` salted.
 * argon2d is not among them.
 */

export type KratosHashResult = { ok: true; hash: string } | { ok: false; reason: string };

const PAD = (b: Buffer) => b.toString('base64');
const RAW = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

const SHA_BRACE: Record<string, string> = { sha1: 'SSHA', sha256: 'SSHA256', sha512: 'SSHA512' };

function num(params: Record<string, string | number>, name: string): number {
  return Number(params[name]);
}

/** Converts a model hash to the string Kratos imports, or says why Kratos cannot verify it. */
export function toKratosHash(h: PasswordHash): KratosHashResult {
  const phc = h.phc.reveal();
  let out: string;
  switch (h.algorithm) {
    case 'bcrypt':
      out = phc;
      break;
    case 'argon2id':
    case 'argon2i':
      out = phc; // the model's canonical form is the reference PHC string Kratos reads
      break;
    case 'argon2d':
      return { ok: false, reason: 'Kratos verifies argon2id and argon2i, not argon2d' };
    case 'pbkdf2-sha1':
    case 'pbkdf2-sha256':
    case 'pbkdf2-sha512': {
      const p = hashParts(h);
      out = `$${h.algorithm}$i=${num(p.params, 'iterations')},l=${p.hash.length}$${RAW(p.salt)}$${RAW(p.hash)}`;
      break;
    }
    case 'scrypt': {
      const p = hashParts(h);
      const n = 2 ** num(p.params, 'logN');
      out = `$scrypt$ln=${n},r=${num(p.params, 'blockSize')},p=${num(p.params, 'parallelization')}$${PAD(p.salt)}$${PAD(p.hash)}`;
      break;
    }
    case 'firebase-scrypt': {
      const f = firebaseFields(phc);
      if (!f) return { ok: false, reason: 'firebase-scrypt hash could not be read' };
      out = `$firescrypt$ln=${f.memCost},r=${f.rounds},p=1$${PAD(f.salt)}$${PAD(f.hash)}$${PAD(f.saltSeparator)}$${PAD(f.signerKey)}`;
      break;
    }
    case 'ssha1':
    case 'ssha256':
    case 'ssha512':
    case 'md5': {
      const p = hashParts(h);
      const digest = String(p.params.digest);
      const position = String(p.params.saltPosition);
      if (digest === 'md5') {
        out = p.salt.length === 0 ? `$md5$${PAD(p.hash)}` : `$md5$pf=${PAD(Buffer.from(template(position)))}$${PAD(p.salt)}$${PAD(p.hash)}`;
      } else if (p.salt.length > 0 && position === 'suffix') {
        out = `{${SHA_BRACE[digest]}}${PAD(Buffer.concat([p.hash, p.salt]))}`;
      } else {
        out = `$${digest}$pf=${PAD(Buffer.from(template(position)))}$${PAD(p.salt)}$${PAD(p.hash)}`;
      }
      break;
    }
    default:
      return { ok: false, reason: `Kratos has no format for ${String(h.algorithm)}` };
  }
  const problem = checkKratosHash(out);
  return problem ? { ok: false, reason: problem } : { ok: true, hash: out };
}

function template(position: string): string {
  return position === 'prefix' ? '{SALT}{PASSWORD}' : '{PASSWORD}{SALT}';
}

function firebaseFields(phc: string) {
  const parts = phc.split('$');
  if (parts.length !== 5 || parts[1] !== 'firebase-scrypt') return undefined;
  const params = new Map((parts[2] ?? '').split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
  const b64 = (s: string | undefined) => Buffer.from((s ?? '').replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return {
    rounds: Number(params.get('r')),
    memCost: Number(params.get('m')),
    signerKey: b64(params.get('sk')),
    saltSeparator: b64(params.get('ss')),
    salt: b64(parts[3]),
    hash: b64(parts[4]),
  };
}

// --- Kratos's own import checks (IsValidHashFormat, then ValidateImportedHash) -----------------

const PADDED_B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const RAW_B64 = /^[A-Za-z0-9+/]*$/;

/** Go's base64 Strict decoding: canonical text only (no stray bits, padding as the encoding wants). */
function strictB64(text: string, padded: boolean): boolean {
  if (padded ? !PADDED_B64.test(text) : !RAW_B64.test(text) || text.length % 4 === 1) return false;
  const bytes = Buffer.from(text, 'base64');
  return (padded ? PAD(bytes) : RAW(bytes)) === text;
}

const KNOWN = [
  /^\$md5-crypt\$/,
  /^\$2[abzy]?\$/,
  /^\$sha256-crypt\$/,
  /^\$sha512-crypt\$/,
  /^\$argon2id\$/,
  /^\$argon2i\$/,
  /^\$pbkdf2-sha[0-9]{1,3}\$/,
  /^\$scrypt\$/,
  /^{SSHA(256|512)?}.*/,
  /^\$sha(1|256|512)\$/,
  /^\$firescrypt\$/,
  /^\$md5\$/,
  /^\$hmac-(md4|md5|sha1|sha224|sha256|sha384|sha512)\$/,
];

function ints(text: string | undefined, names: readonly string[]): number[] | undefined {
  const m = new RegExp(`^${names.map((n) => `${n}=([0-9]+)`).join(',')}$`).exec(text ?? '');
  return m ? m.slice(1).map(Number) : undefined;
}

/**
 * What Kratos answers to this `hashed_password` at import: undefined when it is accepted, else the
 * reason (Kratos then fails the whole request with 400). Kratos checks the structure of bcrypt,
 * argon2, pbkdf2, scrypt and firescrypt at import; the other formats only by prefix (a broken one
 * imports and then never verifies), so those are checked here as the comparator would read them.
 */
export function checkKratosHash(hash: string): string | undefined {
  if (!KNOWN.some((re) => re.test(hash))) return 'The imported password does not match any known hash format.';
  const parts = hash.split('$');
  const bounds = 'The imported password hash declares cost parameters that exceed the bounds enforced by Ory.';
  const unparsable = 'The imported password hash could not be parsed.';
  if (/^\$2[abzy]?\$/.test(hash)) {
    const m = /^\$2[abzy]?\$([0-9]{2})\$[./A-Za-z0-9]{53}$/.exec(hash);
    if (!m) return unparsable;
    const cost = Number(m[1]);
    if (cost < 4 || cost > 31) return unparsable;
    return cost > 15 ? bounds : undefined;
  }
  if (/^\$argon2id?\$/.test(hash)) {
    if (parts.length !== 6 || parts[2] !== 'v=19') return unparsable;
    const p = ints(parts[3], ['m', 't', 'p']);
    if (!p) return unparsable;
    const [m, t, par] = p as [number, number, number];
    if (m < 1 || m > 2 ** 20 || t < 1 || t > 10 || par < 1 || par > 16) return bounds;
    return strictB64(parts[4]!, false) && strictB64(parts[5]!, false) && parts[5] !== '' ? undefined : unparsable;
  }
  if (/^\$pbkdf2-/.test(hash)) {
    if (parts.length !== 5) return unparsable;
    const p = ints(parts[2], ['i', 'l']);
    if (!p) return unparsable;
    if (p[0]! < 1 || p[0]! > 10_000_000) return bounds;
    return strictB64(parts[3]!, false) && strictB64(parts[4]!, false) ? undefined : unparsable;
  }
  if (hash.startsWith('$scrypt$')) {
    if (parts.length !== 5) return unparsable;
    const p = ints(parts[2], ['ln', 'r', 'p']);
    if (!p) return unparsable;
    const [n, r, par] = p as [number, number, number];
    if (n < 1 || n > 2 ** 17 || r < 1 || r > 8 || par < 1 || par > 10) return bounds;
    if (n < 2 || (n & (n - 1)) !== 0) return unparsable; // scrypt.Key refuses an N that is not a power of two > 1
    return strictB64(parts[3]!, true) && strictB64(parts[4]!, true) ? undefined : unparsable;
  }
  if (hash.startsWith('$firescrypt$')) {
    if (parts.length !== 7) return unparsable;
    const p = ints(parts[2], ['ln', 'r', 'p']);
    if (!p) return unparsable;
    const [ln, r, par] = p as [number, number, number];
    if (ln > 17 || r < 1 || r > 8 || par < 1 || par > 10) return bounds;
    return [3, 4, 5, 6].every((i) => strictB64(parts[i]!, true)) ? undefined : unparsable;
  }
  if (hash.startsWith('{')) {
    const m = /^{(SSHA|SSHA256|SSHA512)}(.*)$/.exec(hash);
    if (!m) return unparsable;
    const digestLength = m[1] === 'SSHA' ? 20 : m[1] === 'SSHA256' ? 32 : 64;
    return strictB64(m[2]!, true) && Buffer.from(m[2]!, 'base64').length > digestLength ? undefined : unparsable;
  }
  if (/^\$(sha1|sha256|sha512|md5)\$/.test(hash)) {
    if (parts[1] === 'md5' && parts.length === 3) return strictB64(parts[2]!, true) ? undefined : unparsable;
    if (parts.length !== 5 || !parts[2]!.startsWith('pf=')) return unparsable;
    const pf = parts[2]!.slice(3);
    return pf !== '' && strictB64(pf, true) && strictB64(parts[3]!, true) && strictB64(parts[4]!, true) ? undefined : unparsable;
  }
  return undefined; // md5-crypt, sha-crypt, hmac: never produced by flagless
}
