import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalHostFs } from '../../src/collectors/node/local-host-fs.js';
import { HostNotFound, HostReadError } from '../../src/collectors/node/ports.js';
import { ProcFsTable } from '../../src/collectors/node/proc-table.js';
import { buildHostTree, removeHostTree } from '../support/host-fixtures.js';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeHostTree(t);
});

function host(files: Parameters<typeof buildHostTree>[0]['files']) {
  const root = buildHostTree({ files, processes: [], sysctls: {}, hostname: 'h' });
  trees.push(root);
  return { root, fs: new LocalHostFs(root) };
}

describe('LocalHostFs: the host seen through its root', () => {
  it('follows absolute symbolic links inside the root, not on the scanner', () => {
    const { fs: h } = host({
      '/etc/cni/net.d/10-calico.conflist': { symlink: '/opt/cni/calico.conflist' },
      '/opt/cni/calico.conflist': { content: '{}', mode: 0o640 },
      // On the scanner /etc/passwd exists; inside this root it does not.
      '/etc/alias-of-passwd': { symlink: '/etc/passwd' },
    });
    expect(h.stat('/etc/cni/net.d/10-calico.conflist')).toMatchObject({ mode: 0o640, kind: 'file' });
    expect(h.list('/etc/cni/net.d')).toEqual([{ name: '10-calico.conflist', kind: 'file', link: true }]);
    expect(() => h.stat('/etc/alias-of-passwd')).toThrow(HostNotFound);
  });

  it('never climbs above the root with ..', () => {
    const { root, fs: h } = host({ '/etc/kubernetes/ssl/ca.pem': { content: 'x', symlink: '../../../../../../../etc/hostname' }, '/etc/hostname': 'inside\n' });
    expect(h.readText('/etc/kubernetes/ssl/ca.pem')).toBe('inside\n');
    expect(h.resolve('/../../etc/hostname')).toBe(path.join(root, 'etc/hostname'));
  });

  it('reports loops as ELOOP, not-found as HostNotFound, and other failures as HostReadError', () => {
    const { fs: h } = host({ '/a': { symlink: '/b' }, '/b': { symlink: '/a' }, '/f': 'x' });
    expect(() => h.stat('/a')).toThrow(/too many levels of symbolic links \(ELOOP\)/);
    expect(() => h.stat('/missing/file')).toThrow(HostNotFound);
    expect(() => h.stat('/f/under-a-file')).toThrow(HostNotFound); // ENOTDIR
    expect(() => h.readText('/')).toThrow(HostReadError); // EISDIR
    expect(() => h.readText('/f', 0)).toThrow(/file too large/);
  });
});

describe('ProcFsTable', () => {
  it('lists processes with argv and uid, skipping kernel threads and unreadable entries', () => {
    const root = buildHostTree({
      files: {},
      processes: [{ pid: 10, argv: ['etcd', '--name=a'], uid: 52034 }, { pid: 2, argv: [] }, { pid: 11, argv: ['kubelet'] }],
      sysctls: { 'vm.overcommit_memory': '1' },
      hostname: 'node-a',
    });
    trees.push(root);
    fs.writeFileSync(path.join(root, 'proc/2/cmdline'), ''); // a kernel thread has an empty cmdline
    fs.mkdirSync(path.join(root, 'proc/12')); // a process that exited while listing
    const t = new ProcFsTable(path.join(root, 'proc'));
    expect(t.list()).toEqual([{ pid: 10, argv: ['etcd', '--name=a'], uid: 52034 }, { pid: 11, argv: ['kubelet'], uid: 0 }]);
    expect(t.sysctl('vm.overcommit_memory')).toBe('1');
    expect(() => t.sysctl('vm.nope')).toThrow(HostNotFound);
    expect(t.hostname()).toBe('node-a');
  });

  it('environ: the variables asked for of a real running process, no others; a gone process is HostNotFound', async () => {
    const child = spawn('sleep', ['30'], { env: { PATH: process.env.PATH ?? '', RKE2_CIS_PROFILE: 'cis', RKE2_TOKEN: 'secret' }, stdio: 'ignore' });
    try {
      const t = new ProcFsTable('/proc');
      expect(t.environ(child.pid!, ['RKE2_CIS_PROFILE', 'RKE2_DATA_DIR'])).toEqual({ RKE2_CIS_PROFILE: 'cis' });
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    expect(() => new ProcFsTable('/proc').environ(child.pid!, ['RKE2_CIS_PROFILE'])).toThrow(HostNotFound);
  });

  it('a missing /proc is a HostReadError naming it', () => {
    const dir = path.join(os.tmpdir(), 'rke-harden-no-such-proc');
    expect(() => new ProcFsTable(dir).list()).toThrow(`${dir}: ENOENT: no such directory: the host's processes cannot be seen`);
  });
});
