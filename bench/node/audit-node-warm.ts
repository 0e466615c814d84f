// Child of bench/node/audit-node.bench.ts, run inside a node layout: `audit node --host-root /` in
// one process, the catalog loaded once (as in the long-running in-cluster agent), timed per run after
// a warm-up. Prints one JSON line: {catalogMs, ms: [...], results, summary}.
//   node --import tsx bench/node/audit-node-warm.ts --benchmark rke2-cis-1.8-hardened [--runs 20]
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { renderJson } from '../../src/reporters/json.js';

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const benchmark = flag('--benchmark');
const runs = Number(flag('--runs') ?? 20);
const c0 = performance.now();
loadCatalog();
const catalogMs = performance.now() - c0;
const once = () => {
  const { run } = auditNode({ hostRoot: '/', ...(benchmark ? { benchmark } : {}) });
  renderJson(run);
  return run;
};
for (let i = 0; i < 3; i++) once();
const ms: number[] = [];
let last = once();
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  last = once();
  ms.push(performance.now() - t0);
}
process.stdout.write(JSON.stringify({ catalogMs, ms, results: last.results.length, summary: last.summary }) + '\n');
