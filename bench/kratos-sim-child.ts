/**
 * The Kratos simulator of `npm run bench:kratos` in a process of its own, as Kratos is a server of
 * its own: the client's work (flagless or the bare loop) and the server's validation then run side
 * by side on the machine's cores instead of taking turns on one JavaScript thread.
 *
 * Started by bench/kratos.ts with `fork()`; the options (KratosSimulatorOptions without functions)
 * come as JSON in argv[2]. Answers over IPC: {ready, url} once listening, {stats} to `stats`, and
 * exits after `stop`. Exits too when its parent goes away (the IPC channel closes).
 */
import { startKratosSimulator, type KratosSimulatorOptions } from '../src/connectors/kratos/sim/server.js';

const options = JSON.parse(process.argv[2] ?? '{}') as KratosSimulatorOptions;
const sim = await startKratosSimulator({ ...options, host: '127.0.0.1' });
process.send!({ type: 'ready', url: sim.url });
process.on('message', (m: { type: string; id?: number }) => {
  if (m.type === 'stats') process.send!({ type: 'stats', id: m.id, stats: sim.stats() });
  else if (m.type === 'stop') void sim.stop().then(() => process.exit(0));
});
process.on('disconnect', () => void sim.stop().finally(() => process.exit(0)));
