/**
 * `npm run bench [name…]`: runs the benchmarks and prints figures with their baselines.
 * Names: core-tasks, inventory, vapi, qemu, login-flood, vmserverd, view, rdv, vix, live (default: all). Speed is measured here, never in tests.
 */
import { benchCoreTasks } from './core-tasks.bench.ts';
import { benchInventoryQuery } from './inventory-query.bench.ts';
import { benchLive } from './live.bench.ts';
import { benchLoginFlood } from './login-flood.bench.ts';
import { benchQemu } from './qemu.bench.ts';
import { benchRdv } from './rdv.bench.ts';
import { benchVapi } from './vapi.bench.ts';
import { benchVmserverd } from './vmserverd.bench.ts';
import { benchView } from './view.bench.ts';
import { benchVix } from './vix.bench.ts';

const BENCHES: Record<string, () => Promise<void>> = {
  'core-tasks': benchCoreTasks,
  inventory: benchInventoryQuery,
  vapi: benchVapi,
  qemu: benchQemu,
  'login-flood': benchLoginFlood,
  vmserverd: benchVmserverd,
  view: benchView,
  rdv: benchRdv,
  vix: benchVix,
  live: benchLive,
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(BENCHES);
console.log(`vmgate benchmarks — node ${process.version}, ${(await import('node:os')).cpus().length} CPUs`);
for (const n of names) {
  const b = BENCHES[n];
  if (!b) {
    console.error(`unknown benchmark '${n}'; known: ${Object.keys(BENCHES).join(', ')}`);
    process.exit(2);
  }
  await b();
}
