import { generate as fbGen, source as fbSrc } from './index.js';
import { generate as cgGen, source as cgSrc } from '../cognito/index.js';
const D = '/tmp/flagless-bench-fc';
const n = Number(process.argv[2] ?? 1_000_000);
const which = process.argv[3];
const mod = which === 'cognito' ? { gen: cgGen, src: cgSrc } : { gen: fbGen, src: fbSrc };
if (process.argv[4] !== 'read') {
  const t0 = Date.now();
  const r = await mod.gen({ users: n, out: `${D}/${which}.json`, seed: 1, plaintexts: `${D}/${which}-logins.csv` });
  console.log(which, 'generate', n, 'ms', Date.now() - t0, 'rss MB', (process.memoryUsage().rss / 1e6).toFixed(0), JSON.stringify(r.traps));
} else {
  const t1 = Date.now();
  let users = 0, problems = 0, peak = 0;
  const opts = which === 'cognito' ? { file: `${D}/cognito.json`, apiDump: `${D}/cognito.api-dump.json` } : { file: `${D}/firebase.json`, hashConfig: `${D}/firebase.hash-config.json` };
  for await (const it of mod.src.open(opts).read()) {
    if (it.type === 'user') { users++; if (users % 50000 === 0) peak = Math.max(peak, process.memoryUsage().rss); } else if (it.type === 'problem') problems++;
  }
  const ms = Date.now() - t1;
  console.log(which, 'read', users, 'problems', problems, 'ms', ms, 'users/s', Math.round(users / ms * 1000), 'peak rss MB', (peak / 1e6).toFixed(0));
}
