// A node:test reporter for `node scripts/run-tests.js --record-durations`: the wall time of each
// test file (from its first test's start to its last test's end, as the runner reports them), as
// one JSON object keyed by the file's path relative to the repository (dist/...), in milliseconds.
import { relative } from 'node:path';

export default async function* durations(source) {
  const files = new Map();
  for await (const ev of source) {
    if ((ev.type === 'test:pass' || ev.type === 'test:fail') && ev.data.nesting === 0 && ev.data.file) {
      const f = relative(process.cwd(), ev.data.file);
      files.set(f, (files.get(f) ?? 0) + (ev.data.details?.duration_ms ?? 0));
    }
  }
  yield JSON.stringify(Object.fromEntries([...files].map(([f, ms]) => [f, Math.round(ms)])));
}
