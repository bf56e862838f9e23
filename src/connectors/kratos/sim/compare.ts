import { createCipheriv, createHash, pbkdf2, scrypt, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { checkKratosHash } from '../hash-format.js';

/**
 * The simulator's password comparator: reads each `hashed_password` format the way Kratos's
 * hash/hash_comparator.go does and recomputes the digest for real (bcrypt and argon2 through
 * @node-rs, the rest through node:crypto), so a sign-in proves the import's conversion. It does not
 * go through flagless's model: it is the independent other side of the conversion.
 */

const pbkdf2Async = promisify(pbkdf2);

function scryptAsync(password: Buffer, salt: Buffer, keyLength: number, n: number, r: number, p: number): Promise<Buffer> {
  const maxmem = 128 * r * (n + 2) + 128 * r * p + 1024 * 1024;
  return new Promise((resolve, reject) => scrypt(password, salt, keyLength, { N: n, r, p, maxmem }, (e, k) => (e ? reject(e) : resolve(k))));
}

function same(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const b64 = (s: string) => Buffer.from(s, 'base64');

function shaOf(name: string, data: Buffer): Buffer {
  return createHash(name).update(data).digest();
}

function fill(template: Buffer, salt: Buffer, password: Buffer): Buffer {
  // Go's strings.NewReplacer: one left-to-right pass, so a salt containing "{PASSWORD}" is not re-expanded.
  const out: Buffer[] = [];
  let i = 0;
  while (i < template.length) {
    if (template.subarray(i, i + 6).toString('latin1') === '{SALT}') {
      out.push(salt);
      i += 6;
    } else if (template.subarray(i, i + 10).toString('latin1') === '{PASSWORD}') {
      out.push(password);
      i += 10;
    } else {
      out.push(template.subarray(i, i + 1));
      i += 1;
    }
  }
  return Buffer.concat(out);
}

export type CompareResult = 'match' | 'mismatch' | 'invalid';

/** True when `password` matches the stored Kratos hash; 'invalid' for a hash Kratos cannot use. */
export async function compareKratosHash(password: string, hash: string): Promise<CompareResult> {
  if (checkKratosHash(hash) !== undefined) return 'invalid';
  const pw = Buffer.from(password, 'utf8');
  const parts = hash.split('$');
  const ok = (b: boolean): CompareResult => (b ? 'match' : 'mismatch');
  if (/^\$2[abzy]?\$/.test(hash)) {
    if (pw.length > 72) return 'mismatch'; // Kratos refuses passwords bcrypt would truncate
    const { verify } = await import('@node-rs/bcrypt');
    return ok(await verify(pw, hash));
  }
  if (/^\$argon2id?\$/.test(hash)) {
    const { verify } = await import('@node-rs/argon2');
    return ok(await verify(hash, pw));
  }
  if (/^\$pbkdf2-/.test(hash)) {
    const digest = { sha1: 'sha1', sha256: 'sha256', sha512: 'sha512', sha224: 'sha3-224', sha384: 'sha3-384' }[parts[1]!.slice('pbkdf2-'.length)] ?? 'sha256';
    const [, i, l] = /^i=([0-9]+),l=([0-9]+)$/.exec(parts[2]!)!;
    const want = b64(parts[4]!);
    void l; // Kratos derives as many bytes as the stored hash has, whatever `l` says
    return ok(same(await pbkdf2Async(pw, b64(parts[3]!), Number(i), want.length, digest), want));
  }
  if (hash.startsWith('$scrypt$')) {
    const [, n, r, p] = /^ln=([0-9]+),r=([0-9]+),p=([0-9]+)$/.exec(parts[2]!)!.map(Number) as [number, number, number, number];
    const want = b64(parts[4]!);
    return ok(same(await scryptAsync(pw, b64(parts[3]!), want.length, n, r, p), want));
  }
  if (hash.startsWith('$firescrypt$')) {
    const [, ln, r, p] = /^ln=([0-9]+),r=([0-9]+),p=([0-9]+)$/.exec(parts[2]!)!.map(Number) as [number, number, number, number];
    const salt = b64(parts[3]!);
    const want = b64(parts[4]!);
    const key = await scryptAsync(pw, Buffer.concat([salt, b64(parts[5]!)]), 32, 2 ** ln, r, p);
    const cipher = createCipheriv('aes-256-ctr', key, Buffer.alloc(16));
    const got = Buffer.concat([cipher.update(b64(parts[6]!)), cipher.final()]);
    return ok(same(got, want));
  }
  if (hash.startsWith('{')) {
    const m = /^{(SSHA|SSHA256|SSHA512)}(.*)$/.exec(hash)!;
    const [name, size] = m[1] === 'SSHA' ? ['sha1', 20] : m[1] === 'SSHA256' ? ['sha256', 32] : ['sha512', 64];
    const decoded = b64(m[2]!);
    return ok(same(shaOf(name as string, Buffer.concat([pw, decoded.subarray(size as number)])), decoded.subarray(0, size as number)));
  }
  if (/^\$(sha1|sha256|sha512)\$/.test(hash)) {
    const raw = fill(b64(parts[2]!.slice(3)), b64(parts[3]!), pw);
    return ok(same(shaOf(parts[1]!, raw), b64(parts[4]!)));
  }
  if (hash.startsWith('$md5$')) {
    if (parts.length === 3) return ok(same(shaOf('md5', pw), b64(parts[2]!)));
    return ok(same(shaOf('md5', fill(b64(parts[2]!.slice(3)), b64(parts[3]!), pw)), b64(parts[4]!)));
  }
  return 'invalid'; // md5-crypt, sha-crypt, hmac: formats flagless never writes; the simulator does not verify them
}
