// `harden node --only files` on a node laid out at its real paths in a private mount/PID/UTS namespace
// (test/support/namespace-layout.ts), with the components running as processes of their real uids:
// the plan, --apply, `audit node` after it, rollback, and the audit again — all with --host-root /.
// The etcd stand-in of the hardened RKE1 node runs as uid 52034: harden node must read that from the
// real /proc and leave the CA it reads alone.
//
// Only the files part: the sysctl drop-in and the account databases would be written under the
// host's own /etc/sysctl.d and /etc (the layout binds fixture files over them, not their directories).
// Needs root and the stand-in binary of the kube-bench build (scripts/build-kube-bench.sh); skipped
// with the reason otherwise, unless RKE_HARDEN_DIFFERENTIAL=required (CI), where it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rkeHardenArgv } from '../../bench/differential/differential.js';
import type { ScanRun } from '../../src/model/result.js';
import { HOST_FIXTURES, type HostFixtureName } from '../fixtures/hosts/index.js';
import { findKubeBench } from '../support/kube-bench.js';
import { layoutUnsupportedReason, runInLayout } from '../support/namespace-layout.js';

let skipReason = layoutUnsupportedReason();
let idle = '';
if (!skipReason) {
  try {
    idle = findKubeBench().idle;
  } catch (e) {
    skipReason = (e as Error).message;
  }
}
if (skipReason && process.env.RKE_HARDEN_DIFFERENTIAL === 'required') throw new Error(`harden node layout test required but cannot run: ${skipReason}`);
if (skipReason) console.warn(`harden node layout test skipped: ${skipReason}`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-harden-layout-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

/** Plan, apply, audit, rollback, audit again: one layout, one round, in this order. */
async function hardenInLayout(name: HostFixtureName) {
  const cli = rkeHardenArgv('dist');
  const journal = path.join(work, `${name}.journal.jsonl`);
  const audit = [...cli, 'audit', 'node', '--host-root', '/', '-o', 'json', '--fail-on', 'never'];
  const { commands, ps } = await runInLayout(
    HOST_FIXTURES[name](),
    [
      { name: 'plan', argv: [...cli, 'harden', 'node', '--host-root', '/', '--only', 'files'] },
      { name: 'apply', argv: [...cli, 'harden', 'node', '--host-root', '/', '--only', 'files', '--apply', '--journal', journal] },
      { name: 'audit', argv: audit },
      { name: 'rollback', argv: [...cli, 'rollback', journal, '--host-root', '/'] },
      { name: 'auditAfterRollback', argv: audit },
    ],
    { idle, timeoutMs: 120_000 },
  );
  const statusOf = (which: 'audit' | 'auditAfterRollback') => {
    const run = JSON.parse(commands[which]!.stdout) as ScanRun;
    return (id: string) => run.results.find((r) => r.controlId === id)?.status;
  };
  return { commands, ps, before: statusOf('auditAfterRollback'), after: statusOf('audit') };
}

describe.skipIf(Boolean(skipReason))('harden node --host-root / on a laid-out node with real processes', () => {
  it('RKE2 default server: the manifests and CNI file are narrowed, the audit passes them, rollback brings the old modes back', async () => {
    const { commands, before, after } = await hardenInLayout('rke2-server-default');
    expect(commands.plan!.code, commands.plan!.stderr).toBe(0);
    expect(commands.plan!.stdout).toContain('harden node: host root / (rke2, live host)');
    expect(commands.plan!.stdout).toContain('chmod to at most 600: /var/lib/rancher/rke2/agent/pod-manifests/kube-apiserver.yaml (apiserver-manifest-mode-600)');
    expect(commands.apply!.code, commands.apply!.stdout + commands.apply!.stderr).toBe(0);
    expect(commands.apply!.stdout).toContain('Verified: a new plan has nothing left to change.');
    for (const id of ['1.1.1', '1.1.3', '1.1.5', '1.1.7', '1.1.9']) {
      expect(after(id), id).toBe('pass');
      expect(before(id), id).toBe('fail'); // after the rollback, as the node was
    }
    expect(commands.rollback!.code, commands.rollback!.stdout).toBe(0);
  });

  it('RKE1 hardened etcd node: etcd runs as 52034 and reads kube-ca.pem, so the CA is left readable to it', async () => {
    const { commands, ps, after } = await hardenInLayout('rke1-etcd-controlplane-hardened');
    const etcd = ps.split('\n').find((l) => / etcd /.test(l) && /52034/.test(l));
    expect(etcd, ps).toBeDefined();
    const pid = etcd!.trim().split(/\s+/)[0];
    expect(commands.plan!.stdout).toContain(`/etc/kubernetes/ssl/kube-ca.pem: etcd (pid ${pid}, uid 52034) reads it (--trusted-ca-file)`);
    expect(commands.apply!.stdout).toContain('Nothing to apply; no journal written.');
    expect(after('1.1.20')).toBe('fail');
  });
});
