import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { inventoryApp, type InventoryReport } from '../app-code/inventory.js';
import { APP_FOOTPRINTS } from '../connectors/index.js';
import { FlaglessError } from '../protocol/errors.js';
import type { SourceVendor } from '../protocol/source.js';
import { renderInventoryText } from './report/inventory-text.js';
import { EXIT_OK, type CommandIo, type ParsedCommand } from './spec.js';

/** Scans an application folder for the footprints of the given providers (all of them by default). */
export function inventoryFor(dir: string, from: SourceVendor | undefined, io?: CommandIo): InventoryReport {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new FlaglessError('E_INPUT_UNREADABLE', `${dir} is not a folder: pass the application's root folder (where its package.json is).`);
  const one = from ? APP_FOOTPRINTS[from] : undefined;
  if (from && !one) throw new FlaglessError('E_USAGE', `no application footprint for ${from} (known: ${Object.keys(APP_FOOTPRINTS).join(', ')}).`);
  const footprints = one ? [one] : Object.values(APP_FOOTPRINTS);
  const report = inventoryApp(resolve(dir), footprints, { onProgress: (n, total) => io?.progress(`inventory: ${n.toLocaleString('en-US')} of ${total.toLocaleString('en-US')} files`) });
  io?.progressDone();
  return report;
}

/** `flagless inventory <app-dir>`. */
export async function run(args: ParsedCommand, io: CommandIo): Promise<number> {
  const dir = args.positionals[0]!;
  const from = typeof args.flags.from === 'string' ? (args.flags.from as SourceVendor) : undefined;
  const report = inventoryFor(dir, from, io);
  report.root = dir;
  if (io.json) io.out(JSON.stringify(report, null, 2));
  else io.out(renderInventoryText(report));
  return EXIT_OK;
}
