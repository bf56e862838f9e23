/**
 * `flagless sso inventory`: the legacy provider's enterprise SSO connections, from its API or a
 * saved dump, with each signing certificate's fingerprint and expiry, the users of an export who
 * signed in through each, and the playbook's recommended path (handoff links under
 * SSO_PROXY_THRESHOLD connections, the cutover proxy from there on).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { SSO_SOURCES } from '../connectors/index.js';
import { certificateState, type CertificateState } from '../lib/sso/certificate.js';
import { FlaglessError } from '../protocol/errors.js';
import type { SsoDump } from '../protocol/sso-source.js';
import { SSO_PROXY_THRESHOLD, type SsoConnection, type SsoInventory } from '../protocol/sso.js';
import { openSource, type KnownSourceVendor } from './open-source.js';

/** Certificates expiring within this many days need attention. */
export const CERTIFICATE_WARNING_DAYS = 30;

export interface SsoInventoryOptions {
  from: KnownSourceVendor;
  /** A saved dump to read instead of the API. */
  dump?: string;
  /** Where to save the API's dump (for `--dump` later). */
  saveDump?: string;
  env?: Record<string, string | undefined>;
  apiUrl?: string;
  /** The host the IdPs post to, when it is a custom domain. */
  legacyHost?: string;
  /** An export to count each connection's users in (the export readers of `assess`). */
  export?: { file: string; passwords?: string; hashConfig?: string; apiDump?: string };
  now?: Date;
}

export interface SsoAttention {
  connection: string;
  fingerprintSha256: string;
  notAfter: string;
  state: Exclude<CertificateState, 'ok' | 'unknown'>;
}

export interface SsoInventoryResult {
  inventory: SsoInventory;
  warnings: string[];
  /** Certificates expired or expiring within CERTIFICATE_WARNING_DAYS. */
  attention: SsoAttention[];
}

async function readDump(path: string, from: string): Promise<SsoDump> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the SSO dump ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let dump: unknown;
  try {
    dump = JSON.parse(text);
  } catch {
    throw new FlaglessError('E_INPUT_UNREADABLE', `${path} is not JSON (an SSO dump is what \`flagless sso inventory --save-dump\` writes).`);
  }
  const d = dump as Partial<SsoDump> | null;
  if (!d || typeof d !== 'object' || typeof d.vendor !== 'string') throw new FlaglessError('E_INPUT_UNREADABLE', `${path} is not an SSO dump: it lacks "vendor".`);
  if (d.vendor !== from) throw new FlaglessError('E_WRONG_VENDOR', `${path} is a ${d.vendor} SSO dump, not ${from}: use --from ${d.vendor}.`);
  return d as SsoDump;
}

/** Users of the export per connection key (the identity's `connection`: a name, an id, a Firebase providerId). */
async function countUsers(options: SsoInventoryOptions): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const e = options.export!;
  const source = await openSource({ from: options.from, file: e.file, ...(e.passwords ? { passwords: e.passwords } : {}), ...(e.hashConfig ? { hashConfig: e.hashConfig } : {}), ...(e.apiDump ? { apiDump: e.apiDump } : {}), ...(options.env ? { env: options.env } : {}) });
  for await (const item of source.read()) {
    if (item.type !== 'user') continue;
    const seen = new Set<string>();
    for (const id of item.user.identities) {
      if (id.kind !== 'enterprise' || !id.connection || seen.has(id.connection)) continue;
      seen.add(id.connection);
      counts.set(id.connection, (counts.get(id.connection) ?? 0) + 1);
    }
  }
  return counts;
}

export async function ssoInventory(options: SsoInventoryOptions): Promise<SsoInventoryResult> {
  const load = SSO_SOURCES[options.from];
  if (!load) throw new FlaglessError('E_USAGE', `flagless cannot read SSO connections from ${options.from}.`);
  const reader = await load();
  let dump: SsoDump;
  if (options.dump) dump = await readDump(options.dump, options.from);
  else {
    dump = await reader.readApi({ ...(options.env ? { env: options.env } : {}), ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}) });
    if (options.saveDump) {
      // Complete or absent: written beside, then renamed.
      await writeFile(`${options.saveDump}.partial`, `${JSON.stringify(dump, null, 2)}\n`, { mode: 0o600 });
      await rename(`${options.saveDump}.partial`, options.saveDump);
    }
  }
  const mapped = reader.connections(dump, { ...(options.legacyHost ? { legacyHost: options.legacyHost } : {}) });
  const connections: SsoConnection[] = mapped.connections;
  if (options.export) {
    const counts = await countUsers(options);
    for (const c of connections) c.usersInExport = (counts.get(c.name) ?? 0) + (c.legacyId !== c.name ? (counts.get(c.legacyId) ?? 0) : 0);
  }
  const now = options.now ?? new Date();
  const attention = attentionOf(connections, now);
  const inventory: SsoInventory = {
    vendor: options.from,
    takenAt: typeof dump.takenAt === 'string' ? dump.takenAt : now.toISOString(),
    connections,
    recommendedPath: connections.length >= SSO_PROXY_THRESHOLD ? 'proxy' : 'handoff',
  };
  return { inventory, warnings: mapped.warnings, attention };
}

/** Certificates expired, or expiring within CERTIFICATE_WARNING_DAYS of `now`. */
export function attentionOf(connections: readonly SsoConnection[], now: Date): SsoAttention[] {
  const attention: SsoAttention[] = [];
  for (const c of connections) {
    for (const cert of c.idp.certificates) {
      const state = certificateState(cert, now, CERTIFICATE_WARNING_DAYS);
      if (state === 'expired' || state === 'expiring') attention.push({ connection: c.name, fingerprintSha256: cert.fingerprintSha256, notAfter: cert.notAfter!, state });
    }
  }
  return attention;
}

/** Reads an inventory (`sso inventory --json` output) back for `sso setup`. */
export async function readSsoInventory(path: string): Promise<SsoInventory> {
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FlaglessError('E_INPUT_UNREADABLE', `cannot read the inventory ${path}: ${code ?? 'not JSON'} (write one with \`flagless sso inventory --json > ${path}\`).`);
  }
  const inv = doc as Partial<SsoInventory> | null;
  if (!inv || typeof inv !== 'object' || !Array.isArray(inv.connections) || typeof inv.vendor !== 'string') {
    throw new FlaglessError('E_INPUT_UNREADABLE', `${path} is not an SSO inventory: it lacks vendor or connections.`);
  }
  for (const c of inv.connections) {
    if (!c || typeof c.name !== 'string' || (c.protocol !== 'saml' && c.protocol !== 'oidc') || !c.idp || !Array.isArray(c.idp.certificates) || !c.legacySp || !Array.isArray(c.domains) || !Array.isArray(c.organizations)) {
      throw new FlaglessError('E_INPUT_UNREADABLE', `${path}: a connection is malformed (each needs name, protocol saml|oidc, idp.certificates, legacySp, domains, organizations).`);
    }
  }
  return inv as SsoInventory;
}
