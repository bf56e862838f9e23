import type { DoctorCheck, DoctorContext, SocialConnection, TargetDoctor } from '../../protocol/doctor.js';
import { isFlaglessError } from '../../protocol/errors.js';
import { connectKeycloak, defaultKeycloakConnection, type KeycloakConnection } from './admin-client.js';

const ADMIN_DOCS = 'https://www.keycloak.org/docs/latest/server_admin/';
/** Keycloak's identity-provider ids → the names flagless compares social connections by. */
const PROVIDER_NAMES: Record<string, string> = { 'linkedin-openid-connect': 'linkedin', microsoft: 'microsoft', google: 'google', github: 'github', facebook: 'facebook', apple: 'apple', gitlab: 'gitlab', twitter: 'twitter' };
/** The hash algorithms Keycloak verifies natively, and those flagless's extension (keycloak-extension/) adds. */
const NATIVE_HASHES = ['pbkdf2-sha256', 'pbkdf2-sha512', 'pbkdf2-sha1', 'argon2'];
const EXTENSION_HASHES = ['bcrypt', 'firebase-scrypt'];

/** KEYCLOAK_TIMEOUT_MS per request, as the target reads it (default 30 s). */
function timeoutOf(ctx: DoctorContext): number {
  const t = Number(ctx.env.KEYCLOAK_TIMEOUT_MS ?? 30_000);
  return Number.isFinite(t) && t > 0 ? t : 30_000;
}

function where(ctx: DoctorContext) {
  const d = defaultKeycloakConnection(ctx.env);
  return { url: (ctx.url ?? ctx.env.KEYCLOAK_URL ?? d.url)?.replace(/\/+$/, ''), username: ctx.env.KEYCLOAK_ADMIN_USERNAME || d.username, password: ctx.env.KEYCLOAK_ADMIN_PASSWORD || d.password };
}

async function connect(ctx: DoctorContext, out: DoctorCheck[]): Promise<KeycloakConnection | undefined> {
  const w = where(ctx);
  if (!w.url) {
    out.push({ id: 'keycloak.reachable', status: 'fail', message: 'no Keycloak URL', fix: 'set KEYCLOAK_URL or pass --target-url' });
    return undefined;
  }
  try {
    const res = await fetch(`${w.url}/realms/master`, { signal: AbortSignal.timeout(timeoutOf(ctx)) });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    out.push({ id: 'keycloak.reachable', status: 'ok', message: `Keycloak answers at ${w.url}` });
  } catch (e) {
    out.push({ id: 'keycloak.reachable', status: 'fail', message: `Keycloak does not answer at ${w.url}: ${(e as Error).message}`, fix: 'check KEYCLOAK_URL / --target-url and that the server runs' });
    return undefined;
  }
  try {
    const conn = await connectKeycloak({ url: w.url, username: w.username, password: w.password, adminRealm: ctx.env.KEYCLOAK_ADMIN_REALM || 'master', timeoutMs: timeoutOf(ctx) });
    out.push({ id: 'keycloak.admin-credentials', status: 'ok', message: `the admin ${w.username} signs in` });
    return conn;
  } catch (e) {
    out.push({ id: 'keycloak.admin-credentials', status: 'fail', message: isFlaglessError(e) ? e.message : (e as Error).message, fix: 'set KEYCLOAK_ADMIN_USERNAME / KEYCLOAK_ADMIN_PASSWORD to an admin of the master realm' });
    return undefined;
  }
}

/** Keycloak: reachable, admin sign-in, realm, user profile, email, brute-force detection, hash extension. */
export const keycloakDoctor: TargetDoctor = {
  async checks(ctx: DoctorContext): Promise<DoctorCheck[]> {
    const out: DoctorCheck[] = [];
    const conn = await connect(ctx, out);
    if (!conn) return out;
    const realmName = ctx.realm ?? ctx.env.KEYCLOAK_REALM;
    if (!realmName) {
      out.push({ id: 'keycloak.realm', status: 'fail', message: 'no realm given', fix: 'pass --realm <name>' });
      return out;
    }
    const realm = await conn.admin.realms.findOne({ realm: realmName });
    if (!realm) {
      out.push({ id: 'keycloak.realm', status: 'fail', message: `the realm ${realmName} does not exist`, fix: `create it (admin console → Create realm), or let \`flagless migrate --to keycloak --realm ${realmName}\` create it` });
      return out;
    }
    out.push({ id: 'keycloak.realm', status: 'ok', message: `the realm ${realmName} exists` });
    const profile = (await conn.admin.users.getProfile({ realm: realmName })) as { unmanagedAttributePolicy?: string };
    const policy = profile.unmanagedAttributePolicy;
    out.push(
      policy === 'ENABLED' || policy === 'ADMIN_EDIT'
        ? { id: 'keycloak.unmanaged-attributes', status: 'ok', message: `the user profile keeps unmanaged attributes (${policy})` }
        : { id: 'keycloak.unmanaged-attributes', status: 'fail', message: `the user profile drops unmanaged attributes (policy ${policy ?? 'unset'}): migrated metadata and source ids would be lost`, fix: `Realm settings → General → Unmanaged attributes: "Only administrators can edit" (ADMIN_EDIT) or Enabled (${ADMIN_DOCS}#user-profile)` },
    );
    const smtp = (realm.smtpServer ?? {}) as Record<string, string | undefined>;
    if (ctx.plan.resets) {
      out.push(
        smtp.host && smtp.from
          ? { id: 'keycloak.email', status: 'ok', message: `email is set up (${smtp.host}) for the password resets` }
          : { id: 'keycloak.email', status: 'fail', message: 'password resets will be sent but the realm has no SMTP server (host and from address)', fix: `Realm settings → Email (${ADMIN_DOCS}#_email)` },
      );
    }
    out.push(
      realm.bruteForceProtected
        ? { id: 'keycloak.brute-force', status: 'ok', message: 'brute-force detection is on' }
        : { id: 'keycloak.brute-force', status: 'fail', message: 'brute-force detection is off: imported passwords could be guessed without limit', fix: `Realm settings → Security defenses → Brute force detection (${ADMIN_DOCS}#password-guess-brute-force-attacks)` },
    );
    const needsExtension = ctx.plan.hashAlgorithms.filter((a) => EXTENSION_HASHES.some((x) => a.startsWith(x)));
    if (needsExtension.length) {
      const info = (await conn.admin.serverInfo.find()) as { providers?: Record<string, { providers?: Record<string, unknown> }> };
      const have = Object.keys(info.providers?.['password-hashing']?.providers ?? {});
      const missing = EXTENSION_HASHES.filter((x) => needsExtension.some((a) => a.startsWith(x)) && !have.includes(x));
      out.push(
        missing.length
          ? { id: 'keycloak.hash-extension', status: 'fail', message: `the export has ${needsExtension.join(', ')} hashes but Keycloak has no ${missing.join(', ')} password-hash provider (has: ${have.join(', ')})`, fix: "build keycloak-extension/ (mvn package) and copy its jar to Keycloak's providers/ folder, then restart (kc.sh build)" }
          : { id: 'keycloak.hash-extension', status: 'ok', message: `flagless's hash extension is deployed (${EXTENSION_HASHES.join(', ')})` },
      );
    } else if (ctx.plan.hashAlgorithms.length) {
      out.push({ id: 'keycloak.hash-extension', status: 'skip', message: `no hash needs the extension (${ctx.plan.hashAlgorithms.join(', ')}; native: ${NATIVE_HASHES.join(', ')})` });
    }
    return out;
  },

  async socialConnections(ctx: DoctorContext): Promise<SocialConnection[]> {
    const conn = await connect(ctx, []);
    const realm = ctx.realm ?? ctx.env.KEYCLOAK_REALM;
    if (!conn || !realm) return [];
    const idps = await conn.admin.identityProviders.find({ realm });
    return idps.map((p) => ({ provider: PROVIDER_NAMES[p.providerId ?? ''] ?? p.providerId ?? p.alias ?? 'unknown', clientId: (p.config as Record<string, string> | undefined)?.clientId }));
  },
};
