// The journal file: append-only JSON lines, fsync'd group commit, crash-tolerant reading, locking.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { JournalWriter, openJournalForRun, pendingReverts, readJournal } from '../../src/remediation/journal.js';
import type { NodeTarget, WriteFileStep } from '../../src/remediation/plan.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-journal-'));
  dirs.push(d);
  return d;
}

const target: NodeTarget = { kind: 'node', hostRoot: '/mnt/host', distro: 'rke1', live: false };
// Steps are told apart by id; the path is one harden node writes (a journal naming another is refused).
const step = (n: number): WriteFileStep => ({
  kind: 'write-file',
  id: `file:/etc/f${n}`,
  title: `write /etc/f${n}`,
  path: '/etc/sysctl.d/90-kubelet.conf',
  prior: { exists: false },
  content: 'x\n',
  sha256: 'abc',
  mode: 0o644,
  uid: 0,
  gid: 0,
  createDirs: [],
  diff: '',
});

async function journalWith(file: string, n: number, finish: (seq: number) => 'done' | 'failed' | 'failed-unknown' | 'open'): Promise<void> {
  const w = await JournalWriter.create(file, target);
  await w.append({ type: 'run', run: w.run, startedAt: 'now', options: {} });
  for (let i = 1; i <= n; i++) {
    const seq = w.nextSeq();
    await w.append({ type: 'begin', seq, run: w.run, step: step(i) });
    const how = finish(seq);
    if (how === 'done') await w.append({ type: 'done', seq });
    if (how === 'failed') await w.append({ type: 'failed', seq, error: 'refused', written: false });
    if (how === 'failed-unknown') await w.append({ type: 'failed', seq, error: 'timeout', written: 'unknown' });
  }
  await w.close();
}

describe('journal', () => {
  it('writes a 0600 file whose first line is the header; create refuses to overwrite', async () => {
    const file = path.join(tmp(), 'j.jsonl');
    await journalWith(file, 2, () => 'done');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const j = readJournal(file);
    expect(j.header).toMatchObject({ type: 'journal', schemaVersion: 1, kind: 'node', target, tool: { name: 'rke-harden' } });
    expect(j.entries.map((e) => [e.seq, e.status])).toEqual([
      [1, 'done'],
      [2, 'done'],
    ]);
    expect(j.interrupted).toBe(true); // no runEnd was written
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
    await expect(JournalWriter.create(file, target)).rejects.toThrow(/already exists/);
  });

  it('keeps the order of concurrent appends and loses none (group commit)', async () => {
    const file = path.join(tmp(), 'j.jsonl');
    const w = await JournalWriter.create(file, target);
    await Promise.all(Array.from({ length: 300 }, (_, i) => w.append({ type: 'begin', seq: w.nextSeq(), run: 1, step: step(i) })));
    await w.close();
    const j = readJournal(file);
    expect(j.entries.map((e) => e.seq)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(j.entries.map((e) => e.step.id)).toEqual(Array.from({ length: 300 }, (_, i) => `file:/etc/f${i}`));
  });

  it('drops a last line cut short by a crash, but rejects a bad line in the middle', async () => {
    const file = path.join(tmp(), 'j.jsonl');
    await journalWith(file, 2, () => 'done');
    fs.appendFileSync(file, '{"type":"begin","seq":3,"run":1,"st');
    const j = readJournal(file);
    expect(j.truncatedTail).toBe(true);
    expect(j.entries).toHaveLength(2);
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    lines.splice(2, 0, 'garbage');
    fs.writeFileSync(file, lines.join('\n'));
    expect(() => readJournal(file)).toThrow(/j\.jsonl:3: not JSON/);
  });

  it('rejects what is not a journal, records of unknown steps and unknown fields', () => {
    const d = tmp();
    const w = (name: string, text: string) => (fs.writeFileSync(path.join(d, name), text), path.join(d, name));
    expect(() => readJournal(w('a', ''))).toThrow(/empty or not a journal/);
    expect(() => readJournal(w('b', '{"type":"scan"}\n'))).toThrow(/not an rke-harden journal/);
    const header = JSON.stringify({ type: 'journal', schemaVersion: 1, kind: 'node', target, tool: { name: 'rke-harden', version: '0' }, createdAt: 'now' });
    expect(() => readJournal(w('c', `${header}\n{"type":"done","seq":4}\n`))).toThrow(/done of step 4, which never began/);
    expect(() => readJournal(w('d', `${header}\n{"type":"done","seq":4,"extra":1}\n`))).toThrow(/c?d:2/);
    expect(() => readJournal(path.join(d, 'missing'))).toThrow(/no such file/);
  });

  it('is acted on only when it can be ours: its owner, its mode, and steps harden makes (rollback writes as root what it says)', () => {
    const d = tmp();
    const header = JSON.stringify({ type: 'journal', schemaVersion: 1, kind: 'node', target, tool: { name: 'rke-harden', version: '0' }, createdAt: 'now' });
    const begin = (s: object) => `${header}\n${JSON.stringify({ type: 'run', run: 1, startedAt: 'now', options: {} })}\n${JSON.stringify({ type: 'begin', seq: 1, run: 1, step: s })}\n`;
    const w = (name: string, text: string, mode = 0o600) => {
      fs.writeFileSync(path.join(d, name), text, { mode });
      fs.chmodSync(path.join(d, name), mode);
      return path.join(d, name);
    };
    expect(readJournal(w('ok', begin(step(1)))).entries).toHaveLength(1);
    expect(() => readJournal(w('any-path', begin({ ...step(1), path: '/home/mallory/tool' })))).toThrow(/any-path:3: step 1 writes \/home\/mallory\/tool, not a sysctl drop-in of harden node: not a journal of rke-harden's, refused/);
    expect(() => readJournal(w('setuid', begin({ ...step(1), prior: { exists: true, sha256: 'x', size: 1, mode: 0o4755, uid: 0, gid: 0, contentBase64: '' } })))).toThrow(/sets a setuid, setgid or sticky bit/);
    const sysctl = { kind: 'sysctl-load', id: 's', title: 't', command: ['sysctl', '--system'], prior: { 'kernel.modprobe': '/tmp/x' }, desired: { 'kernel.modprobe': '/sbin/modprobe' }, diff: '' };
    expect(() => readJournal(w('modprobe', begin(sysctl)))).toThrow(/sets kernel parameter kernel\.modprobe, not one of harden node's/);
    expect(() => readJournal(w('open', begin(step(1)), 0o666))).toThrow(/open: writable by anyone \(mode 666\): not trusted/);
    // Cluster steps: only what harden cluster writes (the default ServiceAccount's automount, PSA labels, its own NetworkPolicies).
    const kube = (ref: object, fields: object[], prior: object = { exists: true, uid: 'u', resourceVersion: '1', object: {} }) => ({ kind: 'kube-apply', id: 'k', title: 't', ref, body: {}, fields, prior, diff: '' });
    const sa = (name: string, field: string) => kube({ apiVersion: 'v1', kind: 'ServiceAccount', resource: 'serviceaccounts', namespace: 'x', name }, [{ path: [field], value: false }]);
    expect(readJournal(w('sa-ok', begin(sa('default', 'automountServiceAccountToken')))).entries).toHaveLength(1);
    expect(() => readJournal(w('sa-other', begin(sa('app', 'automountServiceAccountToken'))))).toThrow(/changes automountServiceAccountToken of ServiceAccount x\/app, not what harden cluster writes/);
    const ns = kube({ apiVersion: 'v1', kind: 'Namespace', resource: 'namespaces', name: 'x' }, [{ path: ['metadata', 'labels', 'team'], value: 'evil' }]);
    expect(() => readJournal(w('ns-label', begin(ns)))).toThrow(/changes metadata\.labels\.team of Namespace x/);
    const secret = kube({ apiVersion: 'v1', kind: 'Secret', resource: 'secrets', namespace: 'x', name: 's' }, [{ path: ['data'], value: {} }]);
    expect(() => readJournal(w('secret', begin(secret)))).toThrow(/changes Secret secrets, not an object harden cluster writes/);
    if (process.getuid?.() === 0) {
      const theirs = w('theirs', begin(step(1)));
      fs.chownSync(theirs, 65534, 65534);
      expect(() => readJournal(theirs)).toThrow(/theirs: owned by uid 65534, not by you or root: not trusted/);
    }
  });

  it('reverts what may have been written: done, begun-never-finished, failed with an unknown outcome; not refused writes', async () => {
    const file = path.join(tmp(), 'j.jsonl');
    await journalWith(file, 4, (seq) => (['done', 'open', 'failed', 'failed-unknown'] as const)[seq - 1]!);
    const j = readJournal(file);
    expect(j.entries.map((e) => e.status)).toEqual(['done', 'started', 'failed', 'failed']);
    expect(pendingReverts(j).map((e) => e.seq)).toEqual([4, 2, 1]);
  });

  it('one process at a time: a live holder is refused, a dead one\'s lock is taken over', async () => {
    const file = path.join(tmp(), 'j.jsonl');
    await journalWith(file, 1, () => 'done');
    const { writer } = await JournalWriter.open(file, { newRun: true });
    await expect(JournalWriter.open(file, { newRun: true })).rejects.toThrow(/in use by process/);
    await writer.close();
    // A pid that has exited.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.writeFileSync(`${file}.lock`, dead);
    const again = await JournalWriter.open(file, { newRun: true });
    expect(again.writer.run).toBe(2);
    await again.writer.close();
  });

  it('a rerun continues a journal of the same target only', async () => {
    const file = path.join(tmp(), 'j.jsonl');
    await journalWith(file, 1, () => 'done');
    await expect(openJournalForRun(file, { ...target, hostRoot: '/elsewhere' })).rejects.toThrow(/records changes to host root \/mnt\/host, not this node/);
    await expect(openJournalForRun(file, { kind: 'cluster', server: 'https://x', context: '', gitVersion: 'v1' })).rejects.toThrow(/not this cluster/);
    const { writer, note } = await openJournalForRun(file, target);
    expect(note).toContain('Continuing journal');
    expect(writer.nextSeq()).toBe(2);
    await writer.close();
  });
});
