import { flipSsoConnection, type SsoSide } from '../app/sso-cutover.js';
import { FlaglessError } from '../protocol/errors.js';
import { str } from './open-target.js';
import { EXIT_OK, type CommandIo, type ParsedCommand } from './spec.js';

/** `flagless sso flip <connection> --to target|legacy [--percent N] [--domains a,b]`: flags → flipSsoConnection. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const connection = args.positionals[0]!;
  const percentRaw = str(args.flags.percent);
  const percent = percentRaw === undefined ? undefined : Number(percentRaw);
  if (percentRaw !== undefined && !(/^\d{1,3}$/.test(percentRaw) && percent! <= 100)) throw new FlaglessError('E_USAGE', `--percent must be a whole number from 0 to 100; got "${percentRaw}".`);
  const domains = str(args.flags.domains)?.split(',').map((d) => d.trim()).filter(Boolean);
  const state = str(args.flags.state);
  const who = str(args.flags.who);
  const flip = await flipSsoConnection({
    connection,
    to: str(args.flags.to) as SsoSide,
    ...(percent !== undefined ? { percent } : {}),
    ...(domains?.length ? { domains } : {}),
    ...(state ? { state } : {}),
    ...(who ? { who } : {}),
  });
  if (io.json) io.out(JSON.stringify({ flip }));
  else {
    const rollout = [flip.percent !== undefined ? `${flip.percent} % of users` : '', flip.domains ? `domains ${flip.domains.join(', ')}` : ''].filter(Boolean).join(', ');
    io.out(`${flip.connection}: ${flip.from} → ${flip.to}${rollout ? ` (${rollout}; the others stay on ${flip.to === 'target' ? 'legacy' : 'target'})` : ''}, by ${flip.who} at ${flip.at} (flip ${flip.id})`);
  }
  return EXIT_OK;
}
