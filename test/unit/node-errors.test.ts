// Unreadable files, permission errors, a missing /proc: `error` results that name the path, never a
// pass (issue 4, item 6). Permission errors are injected through the HostFs port, because the tests
// run as root (where chmod 000 denies nothing); the missing /proc is real.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditNode, type AuditNodeOptions } from '../../src/cli/audit-node-command.js';
import { HostReadError } from '../../src/collectors/node/ports.js';
import { ProcFsTable } from '../../src/collectors/node/proc-table.js';
import type { ControlResult } from '../../src/model/result.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { DenyingHostFs, fixtureTree } from '../support/node-audit.js';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeHostTree(t);
});
const tree = (...a: Parameters<typeof fixtureTree>) => {
  const t = fixtureTree(...a);
  trees.push(t);
  return t;
};

function audit(opts: AuditNodeOptions) {
  const { run, snapshot } = auditNode(opts);
  const byId = (id: string): ControlResult => run.results.find((r) => r.controlId === id)!;
  return { run, snapshot, byId };
}

/** Every result of `ids` is `error` and its reason names `pathPart`. */
function expectErrors(byId: (id: string) => ControlResult, ids: string[], pathPart: string | RegExp) {
  for (const id of ids) {
    const r = byId(id);
    expect(r.status, `${id} ${r.checkId}: ${r.reason}`).toBe('error');
    expect(r.reason, id).toMatch(typeof pathPart === 'string' ? new RegExp(pathPart.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pathPart);
  }
}

describe('permission errors (EACCES through the HostFs port)', () => {
  it('an unreadable kubeconfig: its mode and owner controls are errors naming the file', () => {
    const root = tree('rke2-server-default');
    const file = '/var/lib/rancher/rke2/agent/kubelet.kubeconfig';
    const hostFs = new DenyingHostFs(root, (p) => p === file);
    const { byId, snapshot } = audit({ hostRoot: root, hostFs, procTable: new ProcFsTable(path.join(root, 'proc')) });
    expect(snapshot.errors['file.kubelet-kubeconfig']).toBe(`${file}: permission denied (EACCES)`);
    expectErrors(byId, ['4.1.5', '4.1.6'], `${file}: permission denied (EACCES)`);
    expect(byId('4.1.3').status).toBe('pass'); // the kube-proxy kubeconfig next to it was readable
  });

  it('an unreadable PKI directory: 1.1.19–1.1.21 are errors', () => {
    const root = tree('rke2-server-default');
    const hostFs = new DenyingHostFs(root, (p) => p === '/var/lib/rancher/rke2/server/tls/etcd');
    const { byId } = audit({ hostRoot: root, hostFs, procTable: new ProcFsTable(path.join(root, 'proc')) });
    expectErrors(byId, ['1.1.19', '1.1.20', '1.1.21'], '/var/lib/rancher/rke2/server/tls/etcd: permission denied (EACCES)');
  });

  it("an unreadable /etc/passwd: owners and the etcd user are errors, modes still decided", () => {
    const root = tree('rke2-server-hardened');
    const hostFs = new DenyingHostFs(root, (p) => p === '/etc/passwd');
    const { byId } = audit({ hostRoot: root, hostFs, procTable: new ProcFsTable(path.join(root, 'proc')) });
    expectErrors(byId, ['0.5', '0.6', '1.1.2', '1.1.12', '1.1.19', '4.1.6'], '/etc/passwd: permission denied (EACCES): owners cannot be named');
    expect(byId('1.1.1').status).toBe('pass');
  });

  it('unreadable files the API server names: audit policy, encryption config, admission config', () => {
    const root = tree('rke2-server-hardened');
    const denied = new Set(['/etc/rancher/rke2/audit-policy.yaml', '/var/lib/rancher/rke2/server/cred/encryption-config.json', '/etc/rancher/rke2/rke2-pss.yaml']);
    const hostFs = new DenyingHostFs(root, (p) => denied.has(p));
    const { byId } = audit({ hostRoot: root, hostFs, procTable: new ProcFsTable(path.join(root, 'proc')) });
    expectErrors(byId, ['3.2.1'], '/etc/rancher/rke2/audit-policy.yaml: permission denied (EACCES)');
    expectErrors(byId, ['1.2.28'], '/var/lib/rancher/rke2/server/cred/encryption-config.json: permission denied');
    expectErrors(byId, ['1.2.9'], '/etc/rancher/rke2/rke2-pss.yaml: permission denied');
    expect(byId('1.2.27').status).toBe('pass'); // the flag itself is on the command line
  });

  it('an unreadable kubelet drop-in: every kubelet flag control is an error, never a default', () => {
    const root = tree('rke2-server-hardened');
    const dropIn = '/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/50-operator.conf';
    const hostFs = new DenyingHostFs(root, (p) => p === dropIn);
    const { byId } = audit({ hostRoot: root, hostFs, procTable: new ProcFsTable(path.join(root, 'proc')) });
    expectErrors(byId, ['4.2.1', '4.2.2', '4.2.4', '4.2.13', '4.2.14'], `${dropIn}: permission denied (EACCES)`);
    expect(byId('4.1.5').status).toBe('pass'); // file controls of the kubelet are unaffected
  });

  it('an unreadable etcd config file: etcd flag controls are errors', () => {
    const root = tree('rke2-server-hardened');
    const file = '/var/lib/rancher/rke2/server/db/etcd/config';
    const hostFs = new DenyingHostFs(root, (p) => p === file);
    const { byId } = audit({ hostRoot: root, hostFs, procTable: new ProcFsTable(path.join(root, 'proc')) });
    expectErrors(byId, ['2.1', '2.2', '2.3', '2.4', '2.5', '2.6', '2.7'], `${file}: permission denied (EACCES)`);
  });

  it('an unreadable kernel parameter is an error naming it; other failures are not swallowed', () => {
    const root = tree('rke2-server-hardened');
    const proc = new ProcFsTable(path.join(root, 'proc'));
    const real = proc.sysctl.bind(proc);
    proc.sysctl = (name: string) => {
      if (name === 'kernel.panic') throw new HostReadError('/proc/sys/kernel/panic', 'EACCES');
      return real(name);
    };
    const { byId } = audit({ hostRoot: root, procTable: proc });
    expectErrors(byId, ['0.3'], '/proc/sys/kernel/panic: permission denied (EACCES)');
    expect(byId('0.4').status).toBe('pass');
    proc.sysctl = () => {
      throw new TypeError('a bug, not a host problem');
    };
    expect(() => audit({ hostRoot: root, procTable: proc })).toThrow(TypeError);
  });
});

describe('a missing /proc (real)', () => {
  it('makes every flag-based and kernel-parameter control an error naming the path; file controls still decide', () => {
    const root = tree('rke2-server-hardened', (spec) => {
      spec.processes = [];
      spec.sysctls = {};
    });
    fs.rmSync(path.join(root, 'proc'), { recursive: true, force: true });
    const procDir = path.join(root, 'proc');
    // The version still comes from the static pod images (no kubelet binary path to read).
    const { run, byId, snapshot } = audit({ hostRoot: root });
    expect(snapshot.k8sVersion).toBe('v1.32.10+rke2r1');
    const reason = `${procDir}: ENOENT: no such directory: the host's processes cannot be seen`;
    expectErrors(byId, ['0.1', '0.2', '0.3', '0.4'], reason);
    expectErrors(byId, ['1.2.1', '1.2.16', '1.3.7', '1.4.1', '2.1', '2.7', '3.2.1', '4.2.1', '4.2.10', '4.3.1'], procDir);
    // Kube-apiserver, etcd… are configured (static pod manifests) but cannot be seen.
    expect(byId('1.2.1').reason).toMatch(/kube-apiserver is configured on this node \(\/var\/lib\/rancher\/rke2\/agent\/pod-manifests\/kube-apiserver\.yaml\)/);
    expect(byId('4.2.1').reason).toMatch(/cannot tell whether kubelet runs here/);
    // Files are still read: manifests, kubeconfigs, PKI.
    for (const id of ['1.1.1', '1.1.2', '1.1.13', '1.1.19', '4.1.5', '4.1.7']) expect(byId(id).status, id).toBe('pass');
    // No control that depends on a process passes.
    const processChecks = run.results.filter((r) => r.checkId && /^(apiserver|controller-manager|scheduler|etcd|kubelet|kube-proxy)-(?!.*(manifest|kubeconfig|data-dir|ca-mode|ca-owner|config-mode|config-owner|service|user|group))/.test(r.checkId));
    expect(processChecks.length).toBeGreaterThan(40);
    expect(processChecks.filter((r) => r.status === 'pass').map((r) => r.controlId)).toEqual([]);
    expect(run.warnings.join('\n')).toMatch(/cannot be read; their checks are errors/);
  });

  it('an empty --proc-dir (not the host PID namespace) is an error too', () => {
    const root = tree('rke1-worker-default');
    const empty = fs.mkdtempSync(path.join(path.dirname(root), 'rke-harden-empty-proc-'));
    trees.push(empty);
    const { byId } = audit({ hostRoot: root, procDir: empty });
    expectErrors(byId, ['4.2.1', '0.1'], `${empty}: no processes: is the host's /proc mounted here (hostPID)?`);
  });
});

describe('components configured but not running', () => {
  it('an etcd manifest without an etcd process: etcd controls are errors, not N/A and not FAIL', () => {
    const root = tree('rke2-server-hardened', (spec) => {
      spec.processes = spec.processes.filter((p) => p.argv[0] !== 'etcd');
    });
    const { byId, snapshot } = audit({ hostRoot: root });
    expect(snapshot.absent.etcd).toBeUndefined();
    expectErrors(byId, ['2.1', '2.2', '2.7'], 'etcd is configured on this node (/var/lib/rancher/rke2/agent/pod-manifests/etcd.yaml) but no etcd process in');
    expect(byId('1.1.11').status).toBe('pass'); // the data directory is still there to check
  });

  it('no kubelet process: kubelet flag controls are errors (every node runs one)', () => {
    const root = tree('rke1-worker-hardened', (spec) => {
      spec.processes = spec.processes.filter((p) => p.argv[0] !== 'kubelet');
    });
    const { byId } = audit({ hostRoot: root, k8sVersion: 'v1.28.9' });
    expectErrors(byId, ['4.2.1', '4.2.4', '4.2.12'], /kubelet is configured on this node \(container kubelet/);
  });

  it('a kube-proxy that neither runs nor is configured is N/A (e.g. a CNI replaces it)', () => {
    const root = tree('rke2-agent', (spec) => {
      spec.processes = spec.processes.filter((p) => p.argv[0] !== 'kube-proxy');
      delete spec.files['/var/lib/rancher/rke2/agent/pod-manifests/kube-proxy.yaml'];
    });
    const { byId } = audit({ hostRoot: root });
    expect(byId('4.3.1')).toMatchObject({ status: 'notApplicable', reason: expect.stringMatching(/^no kube-proxy on this node/) });
  });
});

describe('kubelet configuration files', () => {
  it('a drop-in that does not parse: kubelet flags are errors naming it; the files\' modes are still checked', () => {
    const dropIn = '/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/50-operator.conf';
    const root = tree('rke2-server-hardened', (spec) => {
      spec.files[dropIn] = { content: 'podPidsLimit: [4096\n', mode: 0o644 };
    });
    const { byId, snapshot } = audit({ hostRoot: root });
    expect(snapshot.errors['kubelet.args']).toMatch(new RegExp(`kubelet drop-in: ${dropIn}:\\d+:\\d+: invalid YAML`));
    expectErrors(byId, ['4.2.1', '4.2.13'], dropIn);
    expect(snapshot.facts['file.kubelet-config.mode']).toMatchObject({ value: '644', location: { file: dropIn } });
  });

  it('--config and --config-dir together: the union of both, named by the directory', () => {
    const root = tree('rke2-server-hardened', (spec) => {
      spec.files['/etc/rancher/rke2/kubelet.yaml'] = { content: 'kind: KubeletConfiguration\nreadOnlyPort: 10255\n', mode: 0o640 };
      spec.processes.find((p) => p.argv[0]!.endsWith('/bin/kubelet'))!.argv.push('--config=/etc/rancher/rke2/kubelet.yaml');
    });
    const { snapshot } = audit({ hostRoot: root });
    expect(snapshot.facts['file.kubelet-config.mode']).toMatchObject({ value: '640', location: { file: '/etc/rancher/rke2/kubelet.yaml' } });
    expect(snapshot.facts['file.kubelet-config.path']?.value).toBe('/var/lib/rancher/rke2/agent/etc/kubelet.conf.d');
    // The drop-ins (read after the file) win: 00-rke2-defaults.conf sets readOnlyPort 0.
    expect(snapshot.facts['kubelet.args.read-only-port']).toMatchObject({ value: '0', location: { file: '/var/lib/rancher/rke2/agent/etc/kubelet.conf.d/00-rke2-defaults.conf' } });
  });

  it('no --config and no --config-dir: file.kubelet-config.exists=false (4.1.9 is notApplicable, with the reason)', () => {
    const { snapshot, byId } = audit({ hostRoot: tree('rke2-server-default'), benchmark: 'rke2-cis-1.23-hardened' });
    expect(snapshot.facts['file.kubelet-config.exists']?.value).toBe('false');
    expect(byId('4.1.9')).toMatchObject({ checkId: 'kubelet-config-mode-644', status: 'notApplicable', reason: expect.stringMatching(/no kubelet config file in use/) });
  });
});

describe('files that are missing are not errors', () => {
  it('a missing file gives exists=false and the check\'s own onMissing verdict', () => {
    const root = tree('rke2-server-default', (spec) => {
      delete spec.files['/var/lib/rancher/rke2/server/cred/admin.kubeconfig'];
    });
    const { byId, snapshot } = audit({ hostRoot: root });
    expect(snapshot.facts['file.admin-kubeconfig.exists']?.value).toBe('false');
    expect(snapshot.facts['file.admin-kubeconfig.mode']).toBeUndefined();
    expect(snapshot.errors['file.admin-kubeconfig']).toBeUndefined();
    expect(byId('1.1.13').status).toBe('manual');
  });

  it('an --audit-policy-file that does not exist: audit.policy.present=false, 3.2.1 fails', () => {
    const root = tree('rke2-server-hardened', (spec) => {
      delete spec.files['/etc/rancher/rke2/audit-policy.yaml'];
    });
    const { byId, snapshot } = audit({ hostRoot: root });
    expect(snapshot.facts['audit.policy.present']).toMatchObject({ value: 'false', location: { file: '/etc/rancher/rke2/audit-policy.yaml' } });
    expect(byId('3.2.1').status).toBe('fail');
  });

  it('a broken audit policy is an error, not "absent"', () => {
    const root = tree('rke2-server-hardened', (spec) => {
      spec.files['/etc/rancher/rke2/audit-policy.yaml'] = 'rules: [level: None\n';
    });
    const { byId } = audit({ hostRoot: root });
    expectErrors(byId, ['3.2.1'], /\/etc\/rancher\/rke2\/audit-policy\.yaml:\d+:\d+: invalid YAML/);
  });
});
