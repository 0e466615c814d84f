// `audit node` against a real running kube-apiserver, etcd and kube-controller-manager (the
// control-plane harness), read through the machine's real /proc.
//
// The host root is `/`: the live processes are found in the real /proc, and the files their flags
// name (audit policy, encryption and admission configuration under the harness's temp directory)
// are read at their real paths, which is exactly what `audit node --host-root /` does on a node.
// The process table is the real ProcFsTable('/proc'), narrowed to the harness's pids so that other
// control planes on the machine (parallel test runs) cannot be picked instead. This machine has no
// RKE2 layout, so the RKE2 file controls come out as "not found" here; the fixture trees
// (test/unit/node-fixtures.test.ts) cover them.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { ProcFsTable } from '../../src/collectors/node/proc-table.js';
import type { ProcTable } from '../../src/collectors/node/ports.js';
import type { FactSnapshot } from '../../src/model/fact.js';
import type { ControlResult, ScanRun } from '../../src/model/result.js';
import { renderJson } from '../../src/reporters/json.js';
import { renderText } from '../../src/reporters/text.js';
import { startControlPlane, type ControlPlane } from '../support/control-plane.js';
import { findControlPlaneBinaries } from '../support/controlplane-bin.js';

// No binaries => this file fails here with the message to run scripts/build-controlplane.sh.
findControlPlaneBinaries();

const ENCRYPTION_KEY = randomBytes(32).toString('base64');

const FILES = {
  'audit-policy.yaml': 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n',
  'encryption.yaml': [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: EncryptionConfiguration',
    'resources:',
    '- resources: [secrets]',
    '  providers:',
    '  - aescbc:',
    '      keys:',
    `      - {name: key1, secret: "${ENCRYPTION_KEY}"}`,
    '  - identity: {}',
    '',
  ].join('\n'),
  'admission.yaml': [
    'apiVersion: apiserver.config.k8s.io/v1',
    'kind: AdmissionConfiguration',
    'plugins:',
    '- name: EventRateLimit',
    '  path: eventconfig.yaml', // relative to this file, as kube-apiserver resolves it
    '- name: PodSecurity',
    '  configuration:',
    '    apiVersion: pod-security.admission.config.k8s.io/v1',
    '    kind: PodSecurityConfiguration',
    '    defaults: {enforce: baseline, enforce-version: latest}',
    '    exemptions: {namespaces: [kube-system]}',
    '',
  ].join('\n'),
  'eventconfig.yaml': 'apiVersion: eventratelimit.admission.k8s.io/v1alpha1\nkind: Configuration\nlimits:\n- {type: Server, qps: 5000, burst: 20000}\n',
};

/** The real /proc, narrowed to the processes this test started. */
function harnessProcTable(pids: number[]): ProcTable {
  const real = new ProcFsTable('/proc');
  return {
    description: real.description,
    list: () => real.list().filter((p) => pids.includes(p.pid)),
    sysctl: (name) => real.sysctl(name),
    environ: (pid, names) => real.environ(pid, names),
    hostname: () => real.hostname(),
  };
}

describe('audit node on a live control plane through the real /proc', () => {
  let cp: ControlPlane;
  let run: ScanRun;
  let snapshot: FactSnapshot;
  const byId = (id: string): ControlResult => run.results.find((r) => r.controlId === id)!;

  beforeAll(async () => {
    cp = await startControlPlane({
      files: FILES,
      extraApiServerArgs: [
        '--anonymous-auth=false',
        '--profiling=false',
        '--audit-policy-file={{dir}}/audit-policy.yaml',
        '--audit-log-path={{dir}}/logs/audit.log',
        '--audit-log-maxage=30',
        '--audit-log-maxbackup=10',
        '--audit-log-maxsize=100',
        '--encryption-provider-config={{dir}}/encryption.yaml',
        '--admission-control-config-file={{dir}}/admission.yaml',
        // Repeated on purpose: a list flag accumulates across occurrences.
        '--enable-admission-plugins=NodeRestriction',
        '--enable-admission-plugins=EventRateLimit',
        '--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
        '--service-account-extend-token-expiration=false',
      ],
      extraControllerManagerArgs: ['--profiling=false', '--terminated-pod-gc-threshold=100'],
    });
    const { etcd, apiServer, controllerManager } = cp.processes;
    const pids = [etcd.pid, apiServer.pid, controllerManager!.pid];
    ({ run, snapshot } = auditNode({ hostRoot: '/', procTable: harnessProcTable(pids), distro: 'rke2', k8sVersion: cp.version.gitVersion }));
  });
  afterAll(async () => {
    await cp?.stop();
  });

  it('finds the three processes and reads their flags as they run', () => {
    expect(run.benchmark.id).toBe('rke2-cis-1.12');
    const api = cp.processes.apiServer.pid;
    expect(snapshot.facts['kube-apiserver.args.anonymous-auth']).toMatchObject({ value: 'false', source: 'process', location: { file: `/proc/${api}/cmdline` } });
    // Every scalar flag the harness passed is the value the collector read from /proc.
    for (const arg of cp.apiServerArgs) {
      const [, name, value] = /^--([^=]+)=(.*)$/.exec(arg)!;
      if (name === 'enable-admission-plugins') continue;
      expect(snapshot.facts[`kube-apiserver.args.${name}`]?.value, name).toBe(value);
    }
    expect(snapshot.facts['kube-apiserver.args.enable-admission-plugins']?.value).toBe('NodeRestriction,EventRateLimit');
    expect(snapshot.facts['kube-controller-manager.args.use-service-account-credentials']?.value).toBe('true');
    expect(snapshot.facts['etcd.args.data-dir']?.value).toBe(`${cp.dir}/etcd-data`);
  });

  it('decides the API server and controller manager controls from the live flags and the files they name', () => {
    const pass = [
      '1.2.1', '1.2.2', '1.2.6', '1.2.7', '1.2.8',
      '1.2.9', // EventRateLimit enabled and configured (through the relative `path`)
      '1.2.10', '1.2.12', '1.2.13', '1.2.14', '1.2.15', '1.2.16', '1.2.17', '1.2.18', '1.2.19', '1.2.20', '1.2.21', '1.2.22',
      '1.2.24', '1.2.25', '1.2.27', '1.2.28', '1.2.29', '1.2.30',
      '1.3.1', '1.3.2', '1.3.3', '1.3.4', '1.3.5', '1.3.6', '1.3.7',
      '3.2.1', // the audit policy file exists and parses
    ];
    const fail = [
      '1.2.3', '1.2.11', // plugins not enabled
      '1.2.4', '1.2.5', // the harness gives the API server no kubelet client certificate or kubelet CA
      '1.2.23', '1.2.26', // the harness's etcd speaks plain HTTP: no etcd client certificate or CA
    ];
    expect(Object.fromEntries([...pass, ...fail].map((id) => [id, byId(id).status]))).toEqual(Object.fromEntries([...pass.map((id) => [id, 'pass']), ...fail.map((id) => [id, 'fail'])]));
    expect(snapshot.facts['admission.PodSecurity.defaults.enforce']?.value).toBe('baseline');
    expect(snapshot.facts['encryption.providers']?.value).toEqual(['aescbc', 'identity']);
  });

  it('etcd without TLS fails the etcd section; built-in defaults pass where they are safe', () => {
    expect(['2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7'].map((id) => byId(id).status)).toEqual(['fail', 'fail', 'pass', 'fail', 'fail', 'pass', 'fail']);
  });

  it('components that do not run are N/A with the reason, the kubelet (every node has one) an error naming /proc', () => {
    expect(byId('1.4.1')).toMatchObject({ status: 'notApplicable', reason: 'no kube-scheduler on this node: roles etcd, controlplane, worker' });
    expect(byId('4.3.1').status).toBe('notApplicable');
    for (const id of ['4.2.1', '4.2.2', '4.2.4', '4.2.10']) {
      expect(byId(id).status, id).toBe('error');
      expect(byId(id).reason).toMatch(/no kubelet process in \/proc/);
    }
  });

  it('reads the real kernel parameters and the real etc/passwd', () => {
    const sysctl = (p: string) => fs.readFileSync(`/proc/sys/${p}`, 'utf8').trim();
    const expected = {
      '0.1': sysctl('vm/overcommit_memory') === '1',
      '0.2': sysctl('vm/panic_on_oom') === '0',
      '0.3': sysctl('kernel/panic') === '10',
      '0.4': sysctl('kernel/panic_on_oops') === '1',
      '0.5': /^etcd:[^:]*:[1-9]\d*:/m.test(fs.readFileSync('/etc/passwd', 'utf8')),
    };
    for (const [id, ok] of Object.entries(expected)) expect(byId(id).status, id).toBe(ok ? 'pass' : 'fail');
  });

  it('files of an RKE2 layout this machine does not have are "not found", never a pass', () => {
    if (fs.existsSync('/var/lib/rancher/rke2')) return; // a real RKE2 node: nothing to say here
    expect(snapshot.facts['file.apiserver-manifest.exists']?.value).toBe('false');
    expect(byId('1.1.1').status).toBe('manual');
    expect(byId('1.1.13').status).toBe('manual');
  });

  it('the encryption key never reaches the snapshot or a report', () => {
    for (const text of [JSON.stringify(snapshot), renderJson(run), renderText(run, { colour: false })]) expect(text).not.toContain(ENCRYPTION_KEY);
  });
});
