// `harden node` on fixture host roots (real directory trees with real modes and owners): plan,
// apply, idempotency, journal, rollback byte for byte.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runHardenNode, type HardenNodeOptions } from '../../src/cli/harden-node-command.js';
import { runRollback } from '../../src/cli/rollback-command.js';
import type { CommandRunner } from '../../src/remediation/apply/apply-node.js';
import { readJournal } from '../../src/remediation/journal.js';
import { runCli } from '../support/run-cli.js';
import { treeState } from '../support/tree-state.js';

const NOW = new Date('2026-11-27T12:00:00Z');
const TODAY = Math.floor(NOW.getTime() / 86_400_000);
const SHADOW_ROOT = 'root:$6$c2VjcmV0$notarealhashbutsecretlooking:19000:0:99999:7:::\n';
const isRoot = process.getuid?.() === 0;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface FileSpec {
  content: string;
  mode?: number;
  uid?: number;
  gid?: number;
}

/** A host root: etc/passwd, group, shadow, gshadow as on a Debian-like host; `distro` marker directory. */
function hostRoot(distro: 'rke1' | 'rke2' | 'none', extra: Record<string, FileSpec | null> = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-node-'));
  dirs.push(root);
  const files: Record<string, FileSpec | null> = {
    'etc/passwd': { content: 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsyslog:x:999:999::/home/syslog:/usr/sbin/nologin\n' },
    'etc/group': { content: 'root:x:0:\ndaemon:x:1:\nshadow:x:42:\nsyslog:x:999:\n' },
    'etc/shadow': { content: SHADOW_ROOT, mode: 0o640, uid: 0, gid: 42 },
    'etc/gshadow': { content: 'root:*::\nshadow:*::\n', mode: 0o640, uid: 0, gid: 42 },
    'usr/sbin/nologin': { content: '' },
    'sbin/nologin': { content: '' },
    ...extra,
  };
  for (const [rel, spec] of Object.entries(files)) {
    if (!spec) continue;
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, spec.content);
    fs.chmodSync(p, spec.mode ?? 0o644);
    if (isRoot && (spec.uid !== undefined || spec.gid !== undefined)) fs.chownSync(p, spec.uid ?? 0, spec.gid ?? 0);
  }
  if (distro === 'rke1') fs.mkdirSync(path.join(root, 'etc/kubernetes/ssl'), { recursive: true });
  if (distro === 'rke2') fs.mkdirSync(path.join(root, 'var/lib/rancher/rke2'), { recursive: true });
  return root;
}

const read = (root: string, rel: string) => fs.readFileSync(path.join(root, rel), 'utf8');

function journalIn(root: string): string {
  return path.join(path.dirname(root), `${path.basename(root)}.journal.jsonl`);
}

async function harden(root: string, o: Partial<HardenNodeOptions> = {}) {
  const journal = o.journal ?? journalIn(root);
  if (!dirs.includes(journal)) dirs.push(journal, `${journal}.lock`);
  return runHardenNode({ hostRoot: root, apply: false, sysctlLoad: 'system', now: NOW, journal, ...o });
}

describe('harden node: plan (default) changes nothing', () => {
  it('RKE1: plans the sysctl drop-in and the etcd group and user (uid/gid 52034), with diffs', async () => {
    const root = hostRoot('rke1');
    const before = treeState(root);
    const r = await harden(root);
    expect(r.code).toBe(0);
    expect(treeState(root)).toEqual(before);
    expect(fs.existsSync(journalIn(root))).toBe(false);
    expect(r.text).toContain('host root');
    expect(r.text).toContain('(rke1)');
    expect(r.text).toContain('5 changes:');
    expect(r.text).toContain('+++ /etc/sysctl.d/90-kubelet.conf');
    for (const line of ['+vm.overcommit_memory=1', '+vm.panic_on_oom=0', '+kernel.panic=10', '+kernel.panic_on_oops=1']) expect(r.text).toContain(line);
    expect(r.text).toContain('+etcd:x:52034:');
    expect(r.text).toContain('+etcd:x:52034:52034:etcd service account:/home/etcd:/usr/sbin/nologin');
    expect(r.text).toContain(`+etcd:!:${TODAY}:`);
    expect(r.text).toContain('+etcd:!::');
    expect(r.text).toContain('Plan only: nothing was changed');
  });

  it('never prints another account\'s shadow line (shadow diffs have no context)', async () => {
    const r = await harden(hostRoot('rke1'));
    expect(r.text).not.toContain('notarealhash');
    expect(r.text).not.toContain('root:*::');
    expect(r.text).toMatch(/--- \/etc\/shadow\n\+\+\+ \/etc\/shadow\n@@ -1,0 \+2 @@\n\+etcd:!:\d+::::::\n/);
    // A file without a final newline: its last line would change in a real diff; only ours are shown.
    const root = hostRoot('rke1');
    fs.writeFileSync(path.join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\nalice:$6$ALICEHASH:19000:0:99999:7:::');
    const cut = await harden(root);
    expect(cut.text).not.toContain('ALICEHASH');
    expect(cut.text).toMatch(/--- \/etc\/shadow\n\+\+\+ \/etc\/shadow\n@@ -2,0 \+3 @@\n\+etcd:!:\d+::::::\n/);
  });

  it('detects the distro: RKE2 by var/lib/rancher/rke2 (drop-in 60-rke2-cis.conf, system ids below 1000)', async () => {
    const root = hostRoot('rke2');
    const r = await harden(root);
    expect(r.text).toContain('(rke2)');
    expect(r.text).toContain('+++ /etc/sysctl.d/60-rke2-cis.conf');
    // 999 is syslog's uid and gid: the highest free system id is 998, the same for user and group.
    expect(r.text).toContain('+etcd:x:998:');
    expect(r.text).toContain('+etcd:x:998:998:etcd user:/home/etcd:/sbin/nologin');
    expect(r.text).toContain(`+etcd:!:${TODAY}::::::`);
  });

  it('asks for --distro when the root has neither marker, or both', async () => {
    await expect(harden(hostRoot('none'))).rejects.toThrow(/pass --distro rke1\|rke2/);
    const both = hostRoot('rke1');
    fs.mkdirSync(path.join(both, 'var/lib/rancher/rke2'), { recursive: true });
    await expect(harden(both)).rejects.toThrow(/both .* pass --distro/);
    expect((await harden(both, { distro: 'rke2' })).text).toContain('60-rke2-cis.conf');
  });

  it('reports, and does not fix, an etcd user or a uid that conflicts with RKE1\'s 52034 (exit 1)', async () => {
    const root = hostRoot('rke1', {
      'etc/passwd': { content: 'root:x:0:0:root:/root:/bin/bash\nother:x:52034:100::/home/other:/bin/sh\n' },
      'etc/group': { content: 'root:x:0:\netcd:x:1001:\n' },
    });
    const r = await harden(root);
    expect(r.code).toBe(1);
    expect(r.text).toContain('group etcd exists with gid 1001');
    expect(r.text).toContain('uid 52034 is taken by user other');
    expect(r.text).not.toContain('+etcd:x:');
  });

  it('keeps the other lines of an existing drop-in and rewrites only wrong values', async () => {
    const root = hostRoot('rke1', { 'etc/sysctl.d/90-kubelet.conf': { content: '# mine\nnet.ipv4.ip_forward = 1\nkernel.panic = 0\nvm/overcommit_memory=1\n' } });
    const r = await harden(root, { apply: true });
    expect(r.code).toBe(0);
    expect(read(root, 'etc/sysctl.d/90-kubelet.conf')).toBe('# mine\nnet.ipv4.ip_forward = 1\nkernel.panic=10\nvm/overcommit_memory=1\nvm.panic_on_oom=0\nkernel.panic_on_oops=1\n');
  });

  it('warns when a file loaded after the drop-in sets another value', async () => {
    const root = hostRoot('rke1', {
      'usr/lib/sysctl.d/99-vendor.conf': { content: 'kernel.panic = 0\n' },
      'etc/sysctl.conf': { content: 'vm.overcommit_memory=0\n' },
      'etc/sysctl.d/10-early.conf': { content: 'kernel.panic_on_oops=0\n' },
    });
    const r = await harden(root);
    expect(r.text).toContain('/usr/lib/sysctl.d/99-vendor.conf:1 sets kernel.panic=0 and is loaded after /etc/sysctl.d/90-kubelet.conf');
    expect(r.text).toContain('/etc/sysctl.conf:1 sets vm.overcommit_memory=0');
    expect(r.text).not.toContain('10-early.conf');
  });

  it('reads a sysctl file that is a link (inside the root) for that warning; an existing etcd user outside the new group is named', async () => {
    const root = hostRoot('rke2', {
      'opt/tuning.conf': { content: 'kernel.panic_on_oops=0\n' },
      'etc/passwd': { content: 'root:x:0:0:root:/root:/bin/bash\netcd:x:990:0::/home/etcd:/sbin/nologin\n' },
    });
    fs.mkdirSync(path.join(root, 'etc/sysctl.d'), { recursive: true });
    fs.symlinkSync('/opt/tuning.conf', path.join(root, 'etc/sysctl.d/99-zlink.conf'));
    const r = await harden(root);
    expect(r.text).toContain('/etc/sysctl.d/99-zlink.conf:1 sets kernel.panic_on_oops=0');
    expect(r.text).toMatch(/user etcd's primary group is gid 0, not the etcd group \(gid \d+\)/);
  });
});

describe('harden node --apply', () => {
  it('writes the drop-in (0644, the directory\'s owner), appends the accounts keeping modes and owners, journals, and a second run plans nothing', async () => {
    const root = hostRoot('rke1');
    const r = await harden(root, { apply: true });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('Applied 5 of 5 changes');
    expect(r.text).toContain('Verified: a new plan has nothing left to change.');
    const dropIn = path.join(root, 'etc/sysctl.d/90-kubelet.conf');
    expect(fs.statSync(dropIn).mode & 0o7777).toBe(0o644);
    expect(read(root, 'etc/sysctl.d/90-kubelet.conf')).toMatch(/\nvm\.overcommit_memory=1\nvm\.panic_on_oom=0\nkernel\.panic=10\nkernel\.panic_on_oops=1\n$/);
    expect(read(root, 'etc/passwd').endsWith('etcd:x:52034:52034:etcd service account:/home/etcd:/usr/sbin/nologin\n')).toBe(true);
    expect(read(root, 'etc/group').endsWith('etcd:x:52034:\n')).toBe(true);
    expect(read(root, 'etc/shadow')).toBe(`${SHADOW_ROOT}etcd:!:${TODAY}::::::\n`);
    expect(read(root, 'etc/gshadow').endsWith('etcd:!::\n')).toBe(true);
    const shadow = fs.statSync(path.join(root, 'etc/shadow'));
    expect(shadow.mode & 0o7777).toBe(0o640);
    if (isRoot) expect([shadow.uid, shadow.gid]).toEqual([0, 42]);
    // No temp or lock file is left behind.
    expect(fs.readdirSync(path.join(root, 'etc')).filter((n) => n.endsWith('.tmp') || n.endsWith('.lock'))).toEqual([]);

    const j = readJournal(journalIn(root));
    expect(j.header.target).toMatchObject({ kind: 'node', hostRoot: root, distro: 'rke1', live: false });
    expect(j.entries.map((e) => [e.step.kind, e.status])).toEqual([
      ['write-file', 'done'],
      ['append-lines', 'done'],
      ['append-lines', 'done'],
      ['append-lines', 'done'],
      ['append-lines', 'done'],
    ]);
    expect(j.interrupted).toBe(false);
    expect(fs.statSync(journalIn(root)).mode & 0o777).toBe(0o600);
    // Password hashes never reach the journal.
    expect(fs.readFileSync(journalIn(root), 'utf8')).not.toContain('notarealhash');

    const again = await harden(root, { apply: true, journal: `${journalIn(root)}.2` });
    expect(again.text).toContain('Nothing to change.');
    expect(again.text).toContain('no journal written');
    expect(fs.existsSync(`${journalIn(root)}.2`)).toBe(false);
    expect((await harden(root)).text).toContain('Nothing to change.');
  });

  it('rollback restores every file byte for byte with its mode and owner, removes what it created, and a second rollback is a no-op', async () => {
    const root = hostRoot('rke2', {
      // An existing drop-in with an unusual mode and owner, missing one key.
      'etc/sysctl.d/60-rke2-cis.conf': { content: 'vm.panic_on_oom=0\nvm.overcommit_memory=1\nkernel.panic=10\n', mode: 0o600, uid: 1234, gid: 4321 },
      // A passwd without a final newline.
      'etc/passwd': { content: 'root:x:0:0:root:/root:/bin/bash', mode: 0o644 },
    });
    const before = treeState(root);
    const r = await harden(root, { apply: true });
    expect(r.code, r.text).toBe(0);
    expect(read(root, 'etc/passwd')).toBe('root:x:0:0:root:/root:/bin/bash\netcd:x:998:998:etcd user:/home/etcd:/sbin/nologin\n');
    const dropIn = fs.statSync(path.join(root, 'etc/sysctl.d/60-rke2-cis.conf'));
    expect(dropIn.mode & 0o7777).toBe(0o600);
    if (isRoot) expect([dropIn.uid, dropIn.gid]).toEqual([1234, 4321]);
    expect(treeState(root)).not.toEqual(before);

    const back = await runRollback(journalIn(root), { force: false, concurrency: 4 });
    expect(back.code, back.text).toBe(0);
    expect(back.text).toContain('Reverted 5 of 5 changes');
    expect(treeState(root)).toEqual(before);

    const twice = await runRollback(journalIn(root), { force: false, concurrency: 4 });
    expect(twice.code).toBe(0);
    expect(twice.text).toContain('Rolled back already: nothing to do.');
    expect(treeState(root)).toEqual(before);
    // ...and the rolled-back journal cannot be continued by a new run.
    await expect(harden(root, { apply: true })).rejects.toThrow(/has been rolled back; pass a new --journal/);
  });

  it('removes directories it created (etc/sysctl.d) on rollback', async () => {
    const root = hostRoot('rke1');
    const before = treeState(root);
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d'))).toBe(false);
    await harden(root, { apply: true });
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/90-kubelet.conf'))).toBe(true);
    await runRollback(journalIn(root), { force: false, concurrency: 1 });
    expect(treeState(root)).toEqual(before);
  });

  it('rollback keeps lines others added after the apply and removes only ours', async () => {
    const root = hostRoot('rke1');
    await harden(root, { apply: true });
    fs.appendFileSync(path.join(root, 'etc/passwd'), 'late:x:2000:2000::/home/late:/bin/sh\n');
    const r = await runRollback(journalIn(root), { force: false, concurrency: 1 });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('only the lines rke-harden added were removed');
    expect(read(root, 'etc/passwd')).toBe('root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsyslog:x:999:999::/home/syslog:/usr/sbin/nologin\nlate:x:2000:2000::/home/late:/bin/sh\n');
  });

  it('a drop-in edited after the apply is a conflict (exit 1), restored only with --force', async () => {
    const root = hostRoot('rke1', { 'etc/sysctl.d/90-kubelet.conf': { content: 'kernel.panic=1\n' } });
    await harden(root, { apply: true });
    fs.appendFileSync(path.join(root, 'etc/sysctl.d/90-kubelet.conf'), 'user.max_user_namespaces=0\n');
    const r = await runRollback(journalIn(root), { force: false, concurrency: 1 });
    expect(r.code).toBe(1);
    expect(r.text).toContain('CONFLICT');
    expect(r.text).toContain('has changed since rke-harden wrote it');
    expect(read(root, 'etc/sysctl.d/90-kubelet.conf')).toContain('user.max_user_namespaces=0');
    const forced = await runRollback(journalIn(root), { force: true, concurrency: 1 });
    expect(forced.code, forced.text).toBe(0);
    expect(read(root, 'etc/sysctl.d/90-kubelet.conf')).toBe('kernel.panic=1\n');
  });

  it('a blocker stops --apply: nothing written, no half-made account, no journal (exit 1)', async () => {
    // uid 52034 is taken: the etcd group alone would be added without the user.
    const root = hostRoot('rke1', { 'etc/passwd': { content: 'root:x:0:0:root:/root:/bin/bash\nbob:x:52034:1001::/home/bob:/bin/sh\n' } });
    const before = treeState(root);
    const r = await harden(root, { apply: true });
    expect(r.code).toBe(1);
    expect(r.text).toContain('uid 52034 is taken by user bob');
    expect(r.text).toContain('Nothing applied (blockers above); no journal written.');
    expect(r.text).not.toContain('+etcd:x:52034:');
    expect(r.text).not.toContain('Verified');
    expect(treeState(root)).toEqual(before);
    expect(fs.existsSync(journalIn(root))).toBe(false);
  });

  it('never writes out of the host root: a directory link whose target is missing under the root is a blocker; one inside the root is followed there', async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-outside-'));
    dirs.push(outside);
    const root = hostRoot('rke2');
    fs.symlinkSync(outside, path.join(root, 'etc/sysctl.d')); // on this machine it exists; under the root it does not
    const r = await harden(root, { apply: true });
    expect(r.code).toBe(1);
    expect(r.text).toMatch(/\/etc\/sysctl\.d.*symbolic link whose target does not exist under the host root/);
    expect(fs.readdirSync(outside)).toEqual([]);
    // A link that loops is a blocker too, not a crash.
    const loop = hostRoot('rke2');
    fs.symlinkSync('/etc/sysctl.d', path.join(loop, 'etc/sysctl.d'));
    const l = await harden(loop, { apply: true });
    expect(l.code).toBe(1);
    expect(l.text).toMatch(/ELOOP/);
    // A link to a directory inside the root: written there, with that directory's owner.
    const inside = hostRoot('rke2');
    fs.mkdirSync(path.join(inside, 'data/sysctl.d'), { recursive: true });
    fs.symlinkSync('/data/sysctl.d', path.join(inside, 'etc/sysctl.d'));
    const ok = await harden(inside, { apply: true });
    expect(ok.code).toBe(0);
    expect(fs.existsSync(path.join(inside, 'data/sysctl.d/60-rke2-cis.conf'))).toBe(true);
    expect(fs.readFileSync(journalIn(inside), 'utf8')).not.toContain('"createDirs":["/etc/sysctl.d"]');
  });

  it('rollback refuses a host root that is gone or not mounted (exit 2): it would record every change as undone', async () => {
    const root = hostRoot('rke2');
    const journal = journalIn(root);
    expect((await harden(root, { apply: true })).code).toBe(0);
    const moved = `${root}-moved`;
    fs.renameSync(root, moved);
    dirs.push(moved);
    await expect(runRollback(journal, { force: false, concurrency: 1 })).rejects.toThrow(/the journal's host root .*: not a directory \(pass --host-root where it is mounted now\)/);
    fs.mkdirSync(root); // an empty mount point
    await expect(runRollback(journal, { force: false, concurrency: 1 })).rejects.toThrow(/has no etc\/passwd, so it is not the node's root/);
    await expect(runRollback(journal, { hostRoot: '/nonexistent', force: false, concurrency: 1 })).rejects.toThrow(/--host-root \/nonexistent: not a directory$/);
    const r = await runRollback(journal, { hostRoot: moved, force: false, concurrency: 1 });
    expect(r.code).toBe(0);
    expect(fs.existsSync(path.join(moved, 'etc/sysctl.d/60-rke2-cis.conf'))).toBe(false);
  });

  it('login.defs ids that are no ids (negative, (uid_t)-1, too large) are not used: the default range, with a warning', async () => {
    const root = hostRoot('rke2', { 'etc/login.defs': { content: 'SYS_UID_MIN -5\nSYS_UID_MAX 4294967295\nSYS_GID_MIN 99999999999999999999\nSYS_GID_MAX 999\n' } });
    const r = await harden(root);
    expect(r.text).toContain('+etcd:x:998:998:etcd user:/home/etcd:/sbin/nologin');
    for (const key of ['SYS_UID_MIN -5', 'SYS_UID_MAX 4294967295', 'SYS_GID_MIN 99999999999999999999']) {
      expect(r.text).toContain(`/etc/login.defs: ${key} is not a user or group id`);
    }
  });

  it('refuses to edit an account database someone holds the lock of', async () => {
    const root = hostRoot('rke1', { 'etc/group.lock': { content: `${process.pid}` } });
    const r = await harden(root, { apply: true });
    expect(r.code).toBe(1);
    expect(r.text).toContain('/etc/group is locked');
    expect(read(root, 'etc/group')).not.toContain('etcd');
  });

  it('writes the sysctl file under its lock: a run holding it (another harden node) stops this one, nothing written', async () => {
    const root = hostRoot('rke2', { 'etc/sysctl.d/60-rke2-cis.conf.lock': { content: `${process.pid}` } });
    const r = await harden(root, { apply: true });
    expect(r.code).toBe(1);
    expect(r.text).toContain('/etc/sysctl.d/60-rke2-cis.conf is locked');
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/60-rke2-cis.conf'))).toBe(false);
    expect(fs.readdirSync(path.join(root, 'etc/sysctl.d')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // Released by its holder, the same command applies, and its rollback takes the lock too and leaves none.
    fs.rmSync(path.join(root, 'etc/sysctl.d/60-rke2-cis.conf.lock'));
    expect((await harden(root, { apply: true })).code).toBe(0);
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/60-rke2-cis.conf'))).toBe(true);
    expect((await runRollback(journalIn(root), { force: false, concurrency: 1 })).code).toBe(0);
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/60-rke2-cis.conf'))).toBe(false);
    expect(fs.readdirSync(path.join(root, 'etc/sysctl.d'))).toEqual([]);
  });

  it('a journal cut short by a kill (steps begun, never finished, a half-written last line) still rolls back', async () => {
    const root = hostRoot('rke1');
    const before = treeState(root);
    await harden(root, { apply: true });
    const file = journalIn(root);
    // Keep the header, the run record and the first three steps' "begin" only, then half a record.
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    const kept = lines.filter((l) => /"type":"(journal|run)"/.test(l) || (/"type":"begin"/.test(l) && /"seq":[123],/.test(l)));
    fs.writeFileSync(file, kept.join('\n') + '\n' + lines.find((l) => l.includes('"seq":4,'))!.slice(0, 40));
    // Steps 4 and 5 "never happened": undo them by hand, as if the kill came before their writes.
    fs.writeFileSync(path.join(root, 'etc/passwd'), Buffer.from(before['etc/passwd']!.content!, 'base64'));
    fs.writeFileSync(path.join(root, 'etc/shadow'), Buffer.from(before['etc/shadow']!.content!, 'base64'));
    const j = readJournal(file);
    expect(j.interrupted).toBe(true);
    expect(j.truncatedTail).toBe(true);
    expect(j.entries.map((e) => e.status)).toEqual(['started', 'started', 'started']);
    const r = await runRollback(file, { force: false, concurrency: 1 });
    expect(r.code, r.text).toBe(0);
    expect(r.text).toContain('an apply run was interrupted');
    expect(treeState(root)).toEqual(before);
    // The cut-short record was dropped and the rollback's records follow on lines of their own.
    expect(() => readJournal(file)).not.toThrow();
    expect(readJournal(file).rolledBack).toBe(true);
  });

  it('a rerun with the same --journal continues it; one rollback undoes both runs', async () => {
    const root = hostRoot('rke1');
    const before = treeState(root);
    const file = journalIn(root);
    // First run: only the group can be added (a stale lock blocks... no: simulate a partial host by a lock on passwd).
    fs.writeFileSync(path.join(root, 'etc/passwd.lock'), '1'); // pid 1 is alive: a lock held by someone
    const first = await harden(root, { apply: true });
    expect(first.code).toBe(1);
    fs.rmSync(path.join(root, 'etc/passwd.lock'));
    const second = await harden(root, { apply: true });
    expect(second.code, second.text).toBe(0);
    expect(second.text).toContain('Continuing journal');
    expect(readJournal(file).runs).toBe(2);
    const r = await runRollback(file, { force: false, concurrency: 1 });
    expect(r.code, r.text).toBe(0);
    expect(treeState(root)).toEqual(before);
  });
});

describe('harden node on a live host (host root /, commands faked)', () => {
  const keys = { 'vm/overcommit_memory': '0', 'vm/panic_on_oom': '0', 'kernel/panic': '0', 'kernel/panic_on_oops': '0' };
  function liveRoot() {
    const extra: Record<string, FileSpec> = {};
    for (const [k, v] of Object.entries(keys)) extra[`proc/sys/${k}`] = { content: `${v}\n` };
    return hostRoot('rke1', extra);
  }
  /** `sysctl --system` / `-p` load our drop-in into <root>/proc/sys; `sysctl -w k=v` sets one. */
  function fakeSysctl(root: string, calls: string[][]): CommandRunner {
    return (argv) => {
      calls.push(argv);
      const set = (k: string, v: string) => fs.writeFileSync(path.join(root, 'proc/sys', k.replace(/\./g, '/')), `${v}\n`);
      if (argv[0] === 'sysctl' && (argv[1] === '--system' || argv[1] === '-p')) {
        for (const line of read(root, 'etc/sysctl.d/90-kubelet.conf').split('\n')) {
          const m = /^([\w.]+)=(\S+)$/.exec(line);
          if (m) set(m[1]!, m[2]!);
        }
      } else if (argv[0] === 'sysctl' && argv[1] === '-w') {
        const [k, v] = argv[2]!.split('=');
        set(k!, v!);
      } else return { status: 127, stdout: '', stderr: `${argv[0]}: not found`, error: 'ENOENT' };
      return { status: 0, stdout: '', stderr: '' };
    };
  }

  it('loads the values with `sysctl --system` after writing the drop-in, and rollback puts the runtime values back', async () => {
    const root = liveRoot();
    const calls: string[][] = [];
    const run = fakeSysctl(root, calls);
    const plan = await harden(root, { live: true, run });
    expect(plan.text).toContain('load the kernel parameters now: sysctl --system');
    expect(plan.text).toContain('\n-kernel.panic = 0\n');
    expect(plan.text).toContain('\n+kernel.panic = 10\n');
    expect(calls).toEqual([]);
    const r = await harden(root, { apply: true, live: true, run });
    expect(r.code, r.text).toBe(0);
    expect(calls).toEqual([['sysctl', '--system']]);
    expect(read(root, 'proc/sys/kernel/panic')).toBe('10\n');
    expect((await harden(root, { live: true, run })).text).toContain('Nothing to change.');
    const back = await runRollback(journalIn(root), { force: false, concurrency: 1, run, live: true });
    expect(back.code, back.text).toBe(0);
    expect(calls.slice(1)).toEqual([
      ['sysctl', '-w', 'vm.overcommit_memory=0'],
      ['sysctl', '-w', 'kernel.panic=0'],
      ['sysctl', '-w', 'kernel.panic_on_oops=0'],
    ]);
    for (const k of Object.keys(keys)) expect(read(root, `proc/sys/${k}`)).toBe('0\n');
    expect(fs.existsSync(path.join(root, 'etc/sysctl.d/90-kubelet.conf'))).toBe(false);
    // Not told it is live, rollback leaves runtime values alone.
    const root2 = liveRoot();
    await harden(root2, { apply: true, live: true, run: fakeSysctl(root2, []) });
    const back2 = await runRollback(journalIn(root2), { force: false, concurrency: 1, run: fakeSysctl(root2, []) });
    expect(back2.text).toContain('not the live host');
    expect(read(root2, 'proc/sys/kernel/panic')).toBe('10\n');
  });

  it('--sysctl-load file runs `sysctl -p <drop-in>` instead', async () => {
    const root = liveRoot();
    const calls: string[][] = [];
    const r = await harden(root, { apply: true, live: true, run: fakeSysctl(root, calls), sysctlLoad: 'file' });
    expect(r.code, r.text).toBe(0);
    expect(calls).toEqual([['sysctl', '-p', '/etc/sysctl.d/90-kubelet.conf']]);
  });

  it('a failing sysctl stops the run (exit 1) and is journaled as failed', async () => {
    const root = liveRoot();
    const r = await harden(root, { apply: true, live: true, run: () => ({ status: 1, stdout: '', stderr: 'sysctl: permission denied on key "kernel.panic"' }) });
    expect(r.code).toBe(1);
    expect(r.text).toContain('FAILED load the kernel parameters now');
    const j = readJournal(journalIn(root));
    expect(j.entries.map((e) => [e.step.kind, e.status])).toEqual([
      ['write-file', 'done'],
      ['sysctl-load', 'failed'],
    ]);
    expect(read(root, 'etc/passwd')).not.toContain('etcd');
  });
});

describe('harden node through the CLI', () => {
  it('plan exits 0 and prints; --apply writes; rollback undoes; bad options exit 2', async () => {
    const root = hostRoot('rke2');
    const journal = journalIn(root);
    dirs.push(journal);
    const before = treeState(root);
    const plan = await runCli(['harden', 'node', '--host-root', root]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain('60-rke2-cis.conf');
    expect(treeState(root)).toEqual(before);
    const applied = await runCli(['harden', 'node', '--host-root', root, '--apply', '--journal', journal]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`Undo with: rke-harden rollback ${journal}`);
    const back = await runCli(['rollback', journal]);
    expect(back.code, back.stderr).toBe(0);
    expect(treeState(root)).toEqual(before);
    expect((await runCli(['harden', 'node', '--host-root', path.join(root, 'nope')])).code).toBe(2);
    expect((await runCli(['harden', 'node', '--host-root', root, '--distro', 'k3s'])).code).toBe(2);
    expect((await runCli(['rollback', path.join(root, 'no-such-journal')])).code).toBe(2);
    const notJournal = path.join(root, 'etc/passwd');
    const r = await runCli(['rollback', notJournal]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not JSON|not an rke-harden journal/);
  });
});
