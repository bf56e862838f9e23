import { generate, source } from './index.js';
const n = Number(process.argv[2] ?? 1000000);
const mode = process.argv[3] ?? 'both';
if (mode !== 'read') {
  const t0 = performance.now();
  const r = await generate({ users: n, out: '/tmp/a0/big.ndjson', seed: 7 });
  console.log('generate', n, ((performance.now() - t0) / 1000).toFixed(1), 's', JSON.stringify(r.traps));
}
if (mode !== 'gen') {
  let peak = 0;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const t1 = performance.now();
  let users = 0, problems = 0;
  for await (const item of source.open({ file: '/tmp/a0/big.ndjson', passwords: process.argv[4] === 'nopw' ? undefined : '/tmp/a0/big.passwords.ndjson' }).read()) {
    if (item.type === 'user') users++; else if (item.type === 'problem') problems++;
  }
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  const s = (performance.now() - t1) / 1000;
  console.log('read', users, 'users', problems, 'problems', s.toFixed(1), 's', Math.round(users / s), 'users/s', 'peak RSS', Math.round(peak / 1048576), 'MB');
}
