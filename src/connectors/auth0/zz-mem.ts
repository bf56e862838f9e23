import { source } from './index.js';
let n = 0; let peak = 0;
const snap = (label: string) => { (globalThis as any).gc(); const m = process.memoryUsage(); console.log(label, Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v / 1048576)]))); };
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
for await (const item of source.open({ file: '/tmp/a0/big.ndjson', passwords: process.argv[2] === 'nopw' ? undefined : '/tmp/a0/big.passwords.ndjson' }).read()) {
  if (item.type === 'user' && ++n % 250000 === 0) snap(`users ${n}`);
}
clearInterval(timer);
snap('end'); console.log('peak', Math.round(peak / 1048576));
