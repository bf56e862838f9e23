import { verify, hash } from '@node-rs/bcrypt';
const h = await hash('x', 4);
console.log(h);
for (const b of ['$2b$31$abcdefghijklmnopqrstuvabcdefghijklmnopqrstuvwxyzABCDE', '$2b$31$' + h.slice(7)]) {
  const t0 = Date.now();
  const p = verify('x', b).then(r => console.log('done', r, Date.now() - t0), e => console.log('err', e.message, Date.now() - t0));
  await Promise.race([p, new Promise(r => setTimeout(r, 1500))]);
  console.log('after 1.5s');
}
process.exit(0);
