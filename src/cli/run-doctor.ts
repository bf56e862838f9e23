import { readFileSync } from 'node:fs';
import { LEGACY_SOCIAL_READERS, TARGET_DOCTORS } from '../connectors/index.js';
import { compareSocialConnections } from '../engine/social-compare.js';
import type { DoctorCheck, DoctorContext, SocialConnection } from '../protocol/doctor.js';
import { FlaglessError } from '../protocol/errors.js';
import { str } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

function list(v: unknown): string[] {
  return typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function readJson(path: string, flag: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `--${flag} ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** `[{provider, clientId}]`, or a vendor's own listing (Auth0's GET /api/v2/connections). */
function socialFrom(json: unknown, flag: string): SocialConnection[] {
  if (Array.isArray(json) && json.every((c) => c && typeof c === 'object' && typeof (c as { provider?: unknown }).provider === 'string')) {
    return (json as { provider: string; clientId?: string }[]).map((c) => ({ provider: c.provider.toLowerCase(), clientId: c.clientId || undefined }));
  }
  for (const read of Object.values(LEGACY_SOCIAL_READERS)) {
    const found = read(json);
    if (found) return found;
  }
  throw new FlaglessError('E_INPUT_UNREADABLE', `--${flag}: expected [{"provider": "google", "clientId": "..."}] or Auth0's GET /api/v2/connections output`);
}

const MARK: Record<DoctorCheck['status'], string> = { ok: 'ok  ', fail: 'FAIL', warn: 'WARN', skip: 'skip' };

/** `flagless doctor --to <target>`: the target's configuration checked before a migration. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const to = String(args.flags.to);
  const load = TARGET_DOCTORS[to];
  if (!load) throw new FlaglessError('E_USAGE', `no doctor for ${to} (available: ${Object.keys(TARGET_DOCTORS).join(', ')}).`);
  const doctor = await load();
  const ctx: DoctorContext = {
    env: process.env,
    plan: { resets: Boolean(args.flags.resets), hashAlgorithms: list(args.flags.hashes), roles: list(args.flags.roles) },
  };
  const url = str(args.flags['target-url']);
  if (url) ctx.url = url;
  const db = str(args.flags.db);
  if (db) ctx.db = db;
  const realm = str(args.flags.realm);
  if (realm) ctx.realm = realm;

  const checks = await doctor.checks(ctx);
  const legacyFile = str(args.flags['social-legacy']);
  let social: { legacy: SocialConnection[]; target: SocialConnection[] } | undefined;
  if (legacyFile) {
    const legacy = socialFrom(readJson(legacyFile, 'social-legacy'), 'social-legacy');
    const targetFile = str(args.flags['social-target']);
    let target: SocialConnection[];
    if (targetFile) target = socialFrom(readJson(targetFile, 'social-target'), 'social-target');
    else if (doctor.socialConnections) target = await doctor.socialConnections(ctx);
    else throw new FlaglessError('E_USAGE', `${to} does not list its social connections through an API: pass --social-target <file> ([{"provider", "clientId"}] from its configuration).`);
    social = { legacy, target };
    checks.push(...compareSocialConnections(legacy, target));
  }
  const ok = checks.every((c) => c.status === 'ok' || c.status === 'skip');
  if (io.json) io.out(JSON.stringify({ target: to, ok, checks, ...(social ? { social } : {}) }, null, 2));
  else {
    const lines = [`flagless doctor: ${to}`];
    for (const c of checks) {
      lines.push(`  ${MARK[c.status]}  ${c.message}`);
      if (c.fix && c.status !== 'ok' && c.status !== 'skip') lines.push(`        fix: ${c.fix}`);
    }
    lines.push(ok ? 'Everything the migration needs is in place.' : `${checks.filter((c) => c.status === 'fail' || c.status === 'warn').length} to fix before migrating.`);
    io.out(lines.join('\n'));
  }
  return ok ? EXIT_OK : EXIT_PROBLEMS;
}
