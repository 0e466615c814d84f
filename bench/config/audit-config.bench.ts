// Bench: `audit config` throughput in files per second, in-process, catalog loaded once.
// Generates N configuration files (RKE1 cluster.yml, RKE2 config.yaml, Rancher provisioning
// Cluster, default and hardened variants over several Kubernetes versions) in a temp directory, then:
//   per-file  — auditConfig([file]) for each file in a loop (what an editor/CI hook per file costs)
//   directory — auditConfig([dir]) once over all of them (`rke-harden audit config dir/`)
//   + render  — the per-file loop plus the JSON report (renderJson) of each run
//   CLI       — `node bin/rke-harden.js audit config` over the directories, one process per distro,
//               text and JSON report written to a file: what a user waits for, start, cold code and
//               report included (needs `npm run build`; skipped with a note when dist/ is missing)
// Each mode is repeated --rounds times; the median round is reported.
//
//   npx tsx bench/config/audit-config.bench.ts [--files 2000] [--rounds 5] [--json FILE]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalog } from '../../src/catalog/load-catalog.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { renderJson } from '../../src/reporters/json.js';
import { option, positiveInt } from '../argv.js';

const N = positiveInt('--files', 2000);
const ROUNDS = positiveInt('--rounds', 5);
const jsonOut = option('--json');

const RKE1_VERSIONS = ['v1.23.16-rancher2-3', 'v1.24.17-rancher1-1', 'v1.25.16-rancher2-3', 'v1.26.15-rancher1-1', 'v1.27.16-rancher1-1', 'v1.28.15-rancher1-1'];
const RKE2_VERSIONS = ['v1.25.16+rke2r2', 'v1.26.15+rke2r1', 'v1.27.16+rke2r2', 'v1.28.15+rke2r1', 'v1.29.15+rke2r1', 'v1.30.14+rke2r2', 'v1.31.4+rke2r1', 'v1.32.10+rke2r1'];

function rke1(i: number): string {
  const hardened = i % 2 === 0;
  const lines = [
    `# generated ${i}`,
    'nodes:',
    `  - address: 10.1.${(i >> 8) & 255}.${i & 255}`,
    '    user: rke',
    '    role: [controlplane, etcd, worker]',
    `kubernetes_version: ${RKE1_VERSIONS[i % RKE1_VERSIONS.length]}`,
    'services:',
  ];
  if (hardened) {
    lines.push(
      '  etcd: {uid: 52034, gid: 52034}',
      '  kube-api:',
      '    secrets_encryption_config: {enabled: true}',
      '    audit_log: {enabled: true}',
      '    event_rate_limit: {enabled: true}',
      '    pod_security_configuration: restricted',
      '  kube-controller:',
      '    extra_args: {feature-gates: RotateKubeletServerCertificate=true, bind-address: 127.0.0.1}',
      '  scheduler:',
      '    extra_args: {bind-address: 127.0.0.1}',
      '  kubelet:',
      `    extra_args: {feature-gates: RotateKubeletServerCertificate=true, protect-kernel-defaults: "true"${i % 3 === 0 ? ', streaming-connection-idle-timeout: 5m' : ''}}`,
      '    generate_serving_certificate: true',
    );
  } else {
    lines.push('  kube-api:', '    service_node_port_range: 30000-32767', '  kubelet:', '    fail_swap_on: false');
  }
  return lines.join('\n') + '\n';
}

function rancherRke2(i: number): string {
  const hardened = i % 2 === 0;
  return [
    'apiVersion: provisioning.cattle.io/v1',
    'kind: Cluster',
    `metadata: {name: c${i}, namespace: fleet-default}`,
    'spec:',
    ...(hardened ? ['  defaultPodSecurityAdmissionConfigurationTemplateName: rancher-restricted'] : []),
    `  kubernetesVersion: ${RKE2_VERSIONS[i % RKE2_VERSIONS.length]}`,
    '  rkeConfig:',
    '    machineGlobalConfig:',
    '      cni: canal',
    ...(hardened ? ['      profile: cis', '      protect-kernel-defaults: true', '      kube-apiserver-arg: ["request-timeout=60s", "service-account-extend-token-expiration=false"]'] : []),
    '',
  ].join('\n');
}

function rke2Config(i: number): string {
  const hardened = i % 2 === 0;
  return [
    `node-ip: 10.2.${(i >> 8) & 255}.${i & 255}`,
    'write-kubeconfig-mode: "0600"',
    ...(hardened ? ['profile: cis', 'protect-kernel-defaults: true', 'kube-apiserver-arg:', '  - "request-timeout=60s"', '  - "audit-log-maxage=30"'] : []),
    ...(i % 5 === 0 ? ['kubelet-arg:', '  - "streaming-connection-idle-timeout=5m"'] : []),
    '',
  ].join('\n');
}

/** Files under dir/{rke1,rancher,rke2}/; RKE2 config.yaml files carry no version (given as --k8s-version). */
function generate(dir: string, n: number): { files: string[]; rke2Files: string[] } {
  const files: string[] = [];
  const rke2Files: string[] = [];
  for (const sub of ['rke1', 'rancher', 'rke2']) fs.mkdirSync(path.join(dir, sub), { recursive: true });
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    if (kind === 0) files.push(write(path.join(dir, 'rke1', `cluster-${i}.yml`), rke1(i)));
    else if (kind === 1) files.push(write(path.join(dir, 'rancher', `cluster-${i}.yaml`), rancherRke2(i)));
    else {
      const d = path.join(dir, 'rke2', `node-${i}`);
      fs.mkdirSync(d);
      rke2Files.push(write(path.join(d, 'config.yaml'), rke2Config(i)));
    }
  }
  return { files, rke2Files };
}
function write(p: string, text: string): string {
  fs.writeFileSync(p, text);
  return p;
}

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/rke-harden.js');
const BUILT = fs.existsSync(path.join(ROOT, 'dist/cli/main.js'));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-config-bench-'));
try {
  const { files, rke2Files } = generate(dir, N);
  const total = files.length + rke2Files.length;
  const c0 = performance.now();
  loadCatalog();
  const catalogMs = performance.now() - c0;
  const RKE2_VERSION = 'v1.31.4+rke2r1';

  const perFile = (render: boolean) => {
    let controls = 0;
    let bytes = 0;
    for (const f of files) {
      const { run } = auditConfig([f], {});
      controls += run.results.length;
      if (render) bytes += renderJson(run).length;
    }
    for (const f of rke2Files) {
      const { run } = auditConfig([f], { distro: 'rke2', k8sVersion: RKE2_VERSION });
      controls += run.results.length;
      if (render) bytes += renderJson(run).length;
    }
    return { controls, bytes };
  };
  const directory = () => {
    const a = auditConfig([path.join(dir, 'rke1'), path.join(dir, 'rancher')], {});
    const b = auditConfig([path.join(dir, 'rke2')], { distro: 'rke2', k8sVersion: RKE2_VERSION });
    return { controls: a.run.results.length + b.run.results.length, bytes: 0 };
  };

  /** The CLI as a user runs it on the directories: two processes (RKE2 config.yaml files need --distro and a version). */
  const cli = (format: 'text' | 'json') => () => {
    const out = path.join(dir, `report.${format}`);
    const common = ['--format', format, '--output', out, '--fail-on', 'never'];
    let bytes = 0;
    for (const args of [['audit', 'config', path.join(dir, 'rke1'), path.join(dir, 'rancher')], ['audit', 'config', path.join(dir, 'rke2'), '--distro', 'rke2', '--k8s-version', RKE2_VERSION]]) {
      execFileSync(process.execPath, [BIN, ...args, ...common], { stdio: ['ignore', 'ignore', 'inherit'] });
      bytes += fs.statSync(out).size;
    }
    return { controls: 0, bytes };
  };

  // Warm-up (JIT), not counted.
  perFile(false);
  const modes: Record<string, () => { controls: number; bytes: number }> = {
    'per-file': () => perFile(false),
    directory,
    'per-file + JSON report': () => perFile(true),
    ...(BUILT ? { 'CLI, text report': cli('text'), 'CLI, JSON report': cli('json') } : {}),
  };
  const figures: Record<string, { filesPerSecond: number; medianMs: number; roundsMs: number[]; controls: number; bytes: number }> = {};
  for (const [name, fn] of Object.entries(modes)) {
    const roundsMs: number[] = [];
    let done = { controls: 0, bytes: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      done = fn();
      roundsMs.push(performance.now() - t0);
    }
    const medianMs = median(roundsMs);
    figures[name] = { filesPerSecond: (total / medianMs) * 1000, medianMs, roundsMs, ...done };
  }

  console.log(`audit config bench: ${total} generated files (${files.length} RKE1 cluster.yml / Rancher Cluster, ${rke2Files.length} RKE2 config.yaml), ${ROUNDS} rounds, catalog loaded once in ${catalogMs.toFixed(0)} ms`);
  for (const [name, f] of Object.entries(figures)) {
    console.log(`  ${name.padEnd(24)} ${f.filesPerSecond.toFixed(0).padStart(7)} files/s  (median round ${f.medianMs.toFixed(0)} ms; rounds ${f.roundsMs.map((x) => x.toFixed(0)).join(', ')} ms; ${f.controls ? `${f.controls} control results` : `reports ${(f.bytes / 1048576).toFixed(0)} MiB`})`);
  }
  if (!BUILT) console.log('  CLI modes skipped: dist/ not built (npm run build)');
  console.log(`  target ≥ 1,000 files/s (per-file): ${figures['per-file']!.filesPerSecond >= 1000 ? 'met' : 'NOT met'}`);
  console.log(`  peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ files: total, rounds: ROUNDS, catalogMs, figures, maxRssKb: process.resourceUsage().maxRSS }, null, 2));
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
