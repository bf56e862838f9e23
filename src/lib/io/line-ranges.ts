/**
 * Cutting a plain text file into byte ranges that each start at a line, for reading one file in
 * several threads. A cut goes right after a `\n` (a `\r\n` stays whole; in UTF-8 a `\n` byte is
 * never part of another character), so every range is a run of whole lines.
 */
import { open, stat } from 'node:fs/promises';
import type { ByteRange } from '../../protocol/source.js';

const PROBE_BYTES = 64 * 1024;

/**
 * At most `maxParts` ranges of about equal size, none smaller than `minPartBytes` (so small files
 * stay whole: one range), except that the first is `firstExtraBytes` larger (at most half the
 * file more) and the others share the rest. Ranges are contiguous: together they are the whole file.
 */
export async function lineRanges(path: string, maxParts: number, minPartBytes: number, firstExtraBytes = 0): Promise<ByteRange[]> {
  const size = (await stat(path)).size;
  const parts = Math.max(1, Math.min(Math.floor(maxParts), Math.floor(size / Math.max(1, minPartBytes))));
  if (parts <= 1) return [{ start: 0 }];
  const handle = await open(path, 'r');
  try {
    const cuts: number[] = [];
    const probe = Buffer.allocUnsafe(PROBE_BYTES);
    const first = Math.floor(size / parts + Math.max(0, Math.min(firstExtraBytes, size / 2)));
    for (let k = 1; k < parts; k++) {
      const even = first + Math.floor(((size - first) * (k - 1)) / (parts - 1));
      let at = Math.max(Math.min(even, size - 1), cuts.at(-1) ?? 0);
      let cut: number | undefined;
      while (at < size) {
        const { bytesRead } = await handle.read(probe, 0, PROBE_BYTES, at);
        if (bytesRead === 0) break;
        const nl = probe.subarray(0, bytesRead).indexOf(10);
        if (nl !== -1) {
          cut = at + nl + 1;
          break;
        }
        at += bytesRead;
      }
      if (cut === undefined || cut >= size) break; // no line starts after here: the last range runs to the end
      if (cut > (cuts.at(-1) ?? 0)) cuts.push(cut);
    }
    const ranges: ByteRange[] = [];
    let start = 0;
    for (const cut of cuts) {
      ranges.push({ start, end: cut });
      start = cut;
    }
    ranges.push({ start });
    return ranges;
  } finally {
    await handle.close();
  }
}
