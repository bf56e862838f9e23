import { readFileSync } from 'node:fs';
import { ensurePasswordGrantClient } from '../connectors/keycloak/admin-client.js';
import { REGISTERED_CLAIMS } from '../connectors/keycloak/claim-mappers.js';
import { CLAIMS_SCOPE, connectKeycloakFromEnv, ensureClaimsScope } from '../connectors/keycloak/setup-clients.js';
import { keycloakTokenClaims } from '../connectors/keycloak/token-claims.js';
import { compareClaims, jwtPayload } from '../engine/claims-compare.js';
import { FlaglessError } from '../protocol/errors.js';
import { str } from './open-target.js';
import { EXIT_OK, EXIT_PROBLEMS, type CommandIo, type ParsedCommand } from './spec.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** `flagless tokens compare <legacy.jwt> --to keycloak --realm r --user u --password-stdin`. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const file = args.positionals[1];
  if (!file) throw new FlaglessError('E_USAGE', 'missing <legacy-token>: a file holding a token the legacy provider issued (or - for stdin is not allowed: stdin carries the password)');
  let legacyText: string;
  try {
    legacyText = readFileSync(file, 'utf8');
  } catch (e) {
    throw new FlaglessError('E_INPUT_UNREADABLE', `${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const legacy = jwtPayload(legacyText);
  if (!legacy) throw new FlaglessError('E_INPUT_UNREADABLE', `${file} holds no JWT (header.payload.signature)`);
  const realm = str(args.flags.realm)!;
  const user = str(args.flags.user)!;
  if (!args.flags['password-stdin']) throw new FlaglessError('E_USAGE', 'pass --password-stdin and the password on stdin (never on the command line)');
  const password = await readStdin();
  const { conn, url, timeoutMs } = await connectKeycloakFromEnv(process.env, str(args.flags['target-url']));
  let clientId = str(args.flags.client);
  if (!clientId) {
    // A public client that allows the password grant, with the legacy-claims scope like the app's clients.
    clientId = 'flagless-verify';
    const id = await ensurePasswordGrantClient(conn, realm, clientId);
    const scopeId = await ensureClaimsScope(conn, realm);
    await conn.admin.clients.addDefaultClientScope({ realm, id, clientScopeId: scopeId });
  }
  const target = await keycloakTokenClaims({ url, realm, clientId, username: user, password, timeoutMs });
  const diffs = compareClaims(legacy, target, REGISTERED_CLAIMS);
  const bad = diffs.filter((d) => d.kind !== 'same');
  if (io.json) io.out(JSON.stringify({ realm, user, client: clientId, scope: CLAIMS_SCOPE, same: bad.length === 0, claims: diffs }, null, 2));
  else {
    const lines = [`flagless tokens compare: legacy token vs Keycloak (${realm}, ${user})`];
    for (const x of diffs) {
      if (x.kind === 'same') lines.push(`  ok       ${x.claim} (${x.type})`);
      else if (x.kind === 'missing') lines.push(`  MISSING  ${x.claim} (${x.type}): add it with \`flagless setup keycloak --claims-from\``);
      else if (x.kind === 'renamed') lines.push(`  RENAMED  ${x.claim} is ${x.targetClaim} at Keycloak (${x.type})`);
      else lines.push(`  TYPE     ${x.claim}: ${x.type} in the legacy token, ${x.targetType} at Keycloak`);
    }
    lines.push(bad.length ? `${bad.length} claims differ: the backend would not see the same token.` : 'The backend would see the same claims.');
    io.out(lines.join('\n'));
  }
  return bad.length ? EXIT_PROBLEMS : EXIT_OK;
}
