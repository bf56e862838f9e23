import { ssoInventory } from '../app/sso-inventory.js';
import { str } from './open-target.js';
import { sourceVendorFromFlags } from './open-source.js';
import { renderSsoInventoryText } from './report/sso-text.js';
import { EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, type CommandRunner } from './spec.js';
import { FlaglessError, isFlaglessError } from '../protocol/errors.js';

/** `flagless sso inventory --from <vendor> [--dump f | --save-dump f] [--export users]`. */
export const run: CommandRunner = async (args, io) => {
  const f = args.flags;
  const from = sourceVendorFromFlags(f);
  const dump = str(f.dump);
  const saveDump = str(f['save-dump']);
  if (dump && saveDump) throw new FlaglessError('E_USAGE', '--dump and --save-dump are exclusive: --save-dump saves what the API answers.');
  if (dump && str(f['source-url'])) throw new FlaglessError('E_USAGE', '--source-url is for the API; --dump reads a file.');
  const exportFile = str(f.export);
  for (const name of ['passwords', 'hash-config', 'api-dump']) if (str(f[name]) && !exportFile) throw new FlaglessError('E_USAGE', `--${name} goes with --export.`);
  let result;
  try {
    result = await ssoInventory({
    from,
    env: process.env,
    ...(dump ? { dump } : {}),
    ...(saveDump ? { saveDump } : {}),
    ...(str(f['source-url']) ? { apiUrl: str(f['source-url'])! } : {}),
    ...(str(f['legacy-host']) ? { legacyHost: str(f['legacy-host'])! } : {}),
    ...(exportFile
      ? { export: { file: exportFile, ...(str(f.passwords) ? { passwords: str(f.passwords)! } : {}), ...(str(f['hash-config']) ? { hashConfig: str(f['hash-config'])! } : {}), ...(str(f['api-dump']) ? { apiDump: str(f['api-dump'])! } : {}) } }
      : {}),
    });
  } catch (e) {
    // Read-only: refused credentials or a dump that is not one are refusals (2), not a stop mid-run.
    if (isFlaglessError(e) && (e.code === 'E_SOURCE_PARSE' || (e.code === 'E_SOURCE_API' && e.errorClass === 'fatal'))) {
      io.err(`flagless: ${e.code}: ${e.message}`);
      if (io.json) io.out(JSON.stringify({ error: { code: e.code, message: e.message } }));
      return EXIT_USAGE;
    }
    throw e;
  }
  if (saveDump && !io.quiet) io.err(`sso inventory: the API's answers saved to ${saveDump}`);
  if (io.json) io.out(JSON.stringify({ ...result.inventory, warnings: result.warnings, attention: result.attention }, null, 2));
  else io.out(renderSsoInventoryText(result));
  return result.attention.length > 0 ? EXIT_PROBLEMS : EXIT_OK;
};
