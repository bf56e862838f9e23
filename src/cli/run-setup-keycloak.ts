import { readFileSync } from 'node:fs';
import { claimsFromClerkTemplate, claimsFromToken, type ClaimSpec } from '../connectors/keycloak/claim-mappers.js';
import { connectKeycloakFromEnv, setupKeycloakClients } from '../connectors/keycloak/setup-clients.js';
import { jwtPayload } from '../engine/claims-compare.js';
import { FlaglessError } from '../protocol/errors.js';
import { str } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

function many(v: unknown): string[] {
  return (Array.isArray(v) ? v : typeof v === 'string' ? [v] : []).flatMap((x: string) => x.split(',')).map((x) => x.trim()).filter(Boolean);
}

/** A Clerk JWT template (JSON) or a sample token (a JWT, raw or in a file): the claims to reproduce. */
function claimsFrom(path: string): { specs: ClaimSpec[]; unmapped: string[]; from: 'template' | 'token' } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `--claims-from ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (text.startsWith('{')) {
    try {
      return { ...claimsFromClerkTemplate(JSON.parse(text) as Record<string, unknown>), from: 'template' };
    } catch {
      throw new FlaglessError('E_INPUT_UNREADABLE', `--claims-from ${path}: not valid JSON (a Clerk JWT template) nor a JWT`);
    }
  }
  const payload = jwtPayload(text);
  if (!payload) throw new FlaglessError('E_INPUT_UNREADABLE', `--claims-from ${path}: neither a Clerk JWT template (JSON) nor a JWT (header.payload.signature)`);
  return { specs: claimsFromToken(payload), unmapped: [], from: 'token' };
}

/** `flagless setup keycloak`: the frontend and backend clients, and the legacy tokens' claims as protocol mappers. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const realm = str(args.flags.realm)!;
  const redirectUris = many(args.flags['redirect-uri']);
  if (redirectUris.length === 0) throw new FlaglessError('E_USAGE', 'pass at least one --redirect-uri (where the frontend receives the authorization code, e.g. http://localhost:3000/*)');
  const webOrigins = many(args.flags['web-origin']);
  const claims = str(args.flags['claims-from']) ? claimsFrom(str(args.flags['claims-from'])!) : { specs: [], unmapped: [], from: 'token' as const };
  const { conn } = await connectKeycloakFromEnv(process.env, str(args.flags['target-url']));
  const result = await setupKeycloakClients(conn, {
    realm,
    frontend: { clientId: str(args.flags['frontend-client'])!, redirectUris, webOrigins: webOrigins.length ? webOrigins : ['+'] },
    backend: { clientId: str(args.flags['backend-client'])! },
    claims: claims.specs,
  });
  const report = { realm, ...result, unmappedClaims: claims.unmapped };
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else {
    const lines = [
      `flagless setup keycloak: realm ${realm}`,
      `  frontend client ${str(args.flags['frontend-client'])}: ${result.frontend} (public, authorization code + PKCE S256)`,
      `  backend client ${str(args.flags['backend-client'])}: ${result.backend} (confidential, client credentials; its secret: admin console → Clients → Credentials)`,
      ...result.mappers.map((m) => `  claim ${m.claim}: ${m.mapper} ${m.action}`),
      ...claims.unmapped.map((c) => `  claim ${c}: not mapped (not a single shortcode flagless knows): add a mapper by hand`),
    ];
    io.out(lines.join('\n'));
  }
  return claims.unmapped.length ? EXIT_PROBLEMS : EXIT_OK;
}
