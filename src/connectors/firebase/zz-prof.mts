import { source } from '../cognito/index.js';
let users = 0; const t = Date.now();
for await (const it of source.open({ file: '/tmp/flagless-bench-fc/cognito.json' }).read()) if (it.type === 'user' && ++users >= 150000) break;
console.log(users, Date.now() - t);
