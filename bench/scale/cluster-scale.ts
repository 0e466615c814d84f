// Bench: `audit cluster` at scale against the raw cost of LISTing the same objects. One real control
// plane (test/support/control-plane.ts) is seeded step by step up to each size: every namespace gets
// the restricted PSA label, a ServiceAccount, --pods pods, a Role, a RoleBinding and a NetworkPolicy
// (kube-controller-manager adds its default ServiceAccount and kube-root-ca.crt ConfigMap). At each size,
// --rounds times, in fresh processes, each started on an idle control plane (its processes under 5 % of a
// core for a second), the order alternating from round to round:
//   raw LIST     bench/scale/raw-list.ts: the same resources, page size and concurrency, JSON-parsed and dropped
//   audit        bench/cluster/audit-once.ts (the cluster bench's own child): collect + evaluate, peak RSS
// and the medians. The ratio is the median of the per-round ratios: a round's two processes run seconds
// apart, so they share the machine's state, where the medians of two separate series need not
// (two full runs an hour apart measured 1.61× and 1.25× that way, with the audit's own time steady).
// Targets (issue 9): audit ≤ 1.5× raw LIST and ≤ 300 MB peak RSS at 10k namespaces,
// cost growing linearly. Sizes not measured are extrapolated from a least-squares line through the
// measured ones, and printed as such. Timing is printed, never asserted.
//
//   npx tsx bench/scale/cluster-scale.ts [--sizes 1000,5000,10000] [--pods 2] [--rounds 5] [--page-size 500] [--json FILE]
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { mapLimit } from '../../src/collectors/cluster/bounded-concurrency.js';
import { startControlPlane } from '../../test/support/control-plane.js';
import { create, createNamespace, createPod, restrictedPod } from '../../test/support/seed-cluster.js';
import { option } from '../argv.js';

const run = promisify(execFile);
const sizes = (option('--sizes') ?? '1000,5000,10000').split(',').map(Number).sort((a, b) => a - b);
const pods = Number(option('--pods') ?? 2);
const rounds = Number(option('--rounds') ?? 5);
const pageSize = Number(option('--page-size') ?? 500);
const seedConcurrency = Number(option('--seed-concurrency') ?? 24);
const jsonOut = option('--json');
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--sizes: comma-separated positive integers');

const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const child = (file: string) => fileURLToPath(new URL(file, import.meta.url));
async function measure(file: string, argv: string[]): Promise<Record<string, number>> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', child(file), ...argv], { maxBuffer: 8 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, number>;
}

/** CPU seconds the process has used so far (utime + stime from /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ 100)
}

/**
 * Wait until the API server and etcd are idle (under 5 % of a core for a second; at most 60 s). After a
 * burst of LISTs the API server collects garbage for seconds on both cores: measured without this wait,
 * whichever tool ran second paid for the first one's LISTs.
 */
async function quiet(pids: number[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  let calm = 0;
  let last = pids.reduce((t, p) => t + cpuSeconds(p), 0);
  while (calm < 4 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = pids.reduce((t, p) => t + cpuSeconds(p), 0);
    calm = now - last < 0.0125 ? calm + 1 : 0;
    last = now;
  }
}

const cp = await startControlPlane({ log, startTimeoutMs: 180_000 });
type Row = { namespaces: number; seedS: number; objects: number; rawMs: number; auditMs: number; auditTotalMs: number; rawRssMb: number; auditRssMb: number; ratio: number; roundRatios: number[]; rawRounds: number[]; auditRounds: number[] };
const rows: Row[] = [];
try {
  let seeded = 0;
  for (const size of sizes) {
    const t0 = Date.now();
    const names = Array.from({ length: size - seeded }, (_, i) => `scale-${String(seeded + i).padStart(5, '0')}`);
    await mapLimit(names, seedConcurrency, async (ns) => {
      await createNamespace(cp.request, ns, { 'pod-security.kubernetes.io/enforce': 'restricted' });
      await create(cp.request, `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app' }, automountServiceAccountToken: false });
      await create(cp.request, `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies`, { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
      await create(cp.request, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'app-reader' }, rules: [{ apiGroups: [''], resources: ['configmaps', 'pods'], verbs: ['get', 'list', 'watch'] }] });
      await create(cp.request, `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'app-reader' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'app-reader' },
        subjects: [{ kind: 'ServiceAccount', name: 'app', namespace: ns }, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `${ns}-devs` }],
      });
      for (let i = 0; i < pods; i++) await createPod(cp.request, ns, restrictedPod(`web-${i}`, { serviceAccountName: 'app', automountServiceAccountToken: false }));
    });
    seeded = size;
    const seedS = (Date.now() - t0) / 1000;
    log(`seeded up to ${size} namespaces (+${names.length} in ${seedS.toFixed(0)} s)`);

    const raw: Record<string, number>[] = [];
    const audit: Record<string, number>[] = [];
    // Each measurement starts on an idle server, and the order alternates (raw first in even rounds).
    const serverPids = [cp.processes.apiServer.pid, cp.processes.etcd.pid, ...(cp.processes.controllerManager ? [cp.processes.controllerManager.pid] : [])];
    const measureRaw = async () => raw.push((await quiet(serverPids), await measure('./raw-list.ts', [cp.kubeconfigPath, '--page-size', String(pageSize)])));
    const measureAudit = async () => audit.push((await quiet(serverPids), await measure('../cluster/audit-once.ts', [cp.kubeconfigPath, '--page-size', String(pageSize)])));
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) await measureRaw().then(measureAudit);
      else await measureAudit().then(measureRaw);
    }
    const roundRatios = audit.map((a, r) => a.ms! / raw[r]!.ms!);
    const rawMs = median(raw.map((x) => x.ms!));
    const auditMs = median(audit.map((x) => x.ms!));
    rows.push({
      namespaces: size,
      seedS,
      objects: raw[0]!.items!,
      rawMs,
      auditMs,
      auditTotalMs: median(audit.map((x) => x.ms! + x.catalogMs!)),
      rawRssMb: median(raw.map((x) => x.maxRssKb! / 1024)),
      auditRssMb: median(audit.map((x) => x.maxRssKb! / 1024)),
      ratio: median(roundRatios),
      roundRatios,
      rawRounds: raw.map((x) => x.ms!),
      auditRounds: audit.map((x) => x.ms!),
    });
    log(`  ${size}: raw LIST ${rawMs.toFixed(0)} ms, audit ${auditMs.toFixed(0)} ms, round ratios ${roundRatios.map((x) => x.toFixed(2)).join(' ')}`);
  }
} finally {
  await cp.stop();
}

// Least-squares line y = a + b·n through the measured sizes (needs two sizes).
const slopeOf = (ys: number[]) => (fit(ys)(2) - fit(ys)(1));
function fit(ys: number[]): (x: number) => number {
  const xs = rows.map((r) => r.namespaces);
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  const b = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / Math.max(1e-9, xs.reduce((s, x) => s + (x - mx) ** 2, 0));
  return (x: number) => my + b * (x - mx);
}

console.log(`audit cluster at scale (Kubernetes ${cp.version.gitVersion}; per namespace: SA, ${pods} pods, Role, RoleBinding, NetworkPolicy; page size ${pageSize}; medians of ${rounds} rounds; ratio = median of the per-round ratios, rounds = their range)`);
console.log(`  ${'namespaces'.padStart(10)} ${'objects'.padStart(8)} ${'raw LIST'.padStart(9)} ${'audit'.padStart(9)} ${'ratio'.padStart(6)} ${'rounds'.padStart(11)} ${'raw RSS'.padStart(8)} ${'audit RSS'.padStart(9)} ${'audit+catalog'.padStart(13)}`);
for (const r of rows) {
  console.log(`  ${String(r.namespaces).padStart(10)} ${String(r.objects).padStart(8)} ${`${r.rawMs.toFixed(0)} ms`.padStart(9)} ${`${r.auditMs.toFixed(0)} ms`.padStart(9)} ${`${r.ratio.toFixed(2)}×`.padStart(6)} ${`${Math.min(...r.roundRatios).toFixed(2)}–${Math.max(...r.roundRatios).toFixed(2)}`.padStart(11)} ${`${r.rawRssMb.toFixed(0)} MB`.padStart(8)} ${`${r.auditRssMb.toFixed(0)} MB`.padStart(9)} ${`${r.auditTotalMs.toFixed(0)} ms`.padStart(13)}`);
}
const at10k = rows.find((r) => r.namespaces === 10_000);
let extrapolated: Record<string, number> | undefined;
if (!at10k && rows.length >= 2 && (rows.at(-1)!.namespaces < 1000 || slopeOf(rows.map((r) => r.auditMs)) <= 0 || slopeOf(rows.map((r) => r.rawMs)) <= 0)) {
  console.log('  10k not extrapolated: the measured sizes are too small (fixed per-process costs dominate) or the fit is not increasing');
} else if (!at10k && rows.length >= 2) {
  const x = 10_000;
  extrapolated = { namespaces: x, rawMs: fit(rows.map((r) => r.rawMs))(x), auditMs: fit(rows.map((r) => r.auditMs))(x), auditRssMb: fit(rows.map((r) => r.auditRssMb))(x), rawRssMb: fit(rows.map((r) => r.rawRssMb))(x) };
  console.log(`  ${'10000'.padStart(10)} ${'-'.padStart(8)} ${`${extrapolated.rawMs!.toFixed(0)} ms`.padStart(9)} ${`${extrapolated.auditMs!.toFixed(0)} ms`.padStart(9)} ${`${(extrapolated.auditMs! / extrapolated.rawMs!).toFixed(2)}×`.padStart(6)} ${`${extrapolated.rawRssMb!.toFixed(0)} MB`.padStart(8)} ${`${extrapolated.auditRssMb!.toFixed(0)} MB`.padStart(9)}   EXTRAPOLATED (linear fit, not measured)`);
}
const last = at10k ?? rows.at(-1)!;
console.log(`  targets at ${at10k ? '10k (measured)' : `${last.namespaces} (largest measured)`}: ratio ${last.ratio.toFixed(2)}× (≤ 1.5×: ${last.ratio <= 1.5 ? 'met' : 'NOT met'}), audit peak RSS ${last.auditRssMb.toFixed(0)} MB (≤ 300 MB: ${last.auditRssMb <= 300 ? 'met' : 'NOT met'})`);
for (let i = 1; i < rows.length; i++) {
  const [a, b] = [rows[i - 1]!, rows[i]!];
  const dn = b.namespaces - a.namespaces;
  const raw = ((b.rawMs - a.rawMs) / dn) * 1000;
  const aud = ((b.auditMs - a.auditMs) / dn) * 1000;
  console.log(`  marginal cost ${a.namespaces} → ${b.namespaces} namespaces: raw LIST ${raw.toFixed(0)} µs/ns, audit ${aud.toFixed(0)} µs/ns (${(aud / raw).toFixed(2)}×; fixed costs cancel out)`);
}
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ kubernetes: cp.version.gitVersion, pods, rounds, pageSize, rows, extrapolated }, null, 2));
