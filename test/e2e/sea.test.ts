// The single executable (npm run build:sea → build/sea/rke-harden) runs `audit node` on fixture host
// roots with no Node.js on PATH and no node_modules or data files beside it: the same results as
// the CLI from its sources. Its embedded data is extracted once to a private directory, reused,
// and rebuilt when tampered with. $RKE_HARDEN_SEA names a built executable; otherwise this test
// builds one (scripts/build-sea.sh; needs postject).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import type { ScanRun } from '../../src/model/result.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';
import { runCommand } from '../support/run-command.js';

const REPO = path.resolve(import.meta.dirname, '../..');

function builtExecutable(): string {
  if (process.env.RKE_HARDEN_SEA) return process.env.RKE_HARDEN_SEA;
  const out = execFileSync('bash', [path.join(REPO, 'scripts/build-sea.sh')], { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  return out.trim().split('\n').at(-1)!;
}

/** Results without the run's timestamps. */
const comparable = (run: ScanRun) => ({ ...run, startedAt: '', finishedAt: '' });

describe('single executable (Node SEA)', () => {
  let work: string;
  let exe: string;
  const roots: string[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'rke-harden-sea-'));
    // A copy far from the repository: nothing beside it but itself.
    exe = path.join(work, 'bin', 'rke-harden');
    fs.mkdirSync(path.dirname(exe));
    fs.copyFileSync(builtExecutable(), exe);
    fs.chmodSync(exe, 0o755);
    fs.mkdirSync(path.join(work, 'home'));
    // No node on PATH, an empty home (nothing cached), no NODE_* settings.
    env = { PATH: path.join(work, 'bin'), HOME: path.join(work, 'home'), LANG: 'C.UTF-8' };
  }, 300_000);
  afterAll(() => {
    roots.forEach(removeHostTree);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  const exec = (cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd: string }) => runCommand(cmd, args, opts);
  const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => exec(exe, args, { env: { ...env, ...extraEnv }, cwd: work });

  it('is one file, and node is not to be found on its PATH', async () => {
    expect(fs.statSync(exe).size).toBeGreaterThan(10_000_000);
    expect(spawnSync('/bin/sh', ['-c', 'command -v node'], { env }).status).not.toBe(0);
    const v = await run(['--version']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version);
    expect(v.stderr).toBe('');
  });

  /** The CLI from its sources (node + tsx), for comparison. */
  const fromSources = (args: string[]) => exec(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/agent/entry.ts'), ...args], { cwd: REPO });

  it.each(['rke2-server-hardened', 'rke1-etcd-controlplane-default', 'rke2-agent'] as const)('audit node on %s: the same report as the sources', async (fixture) => {
    const root = fixtureTree(fixture);
    roots.push(root);
    const json = ['audit', 'node', '--host-root', root, '--format', 'json', '--fail-on', 'never'];
    const [sea, src, text] = await Promise.all([run(json), fromSources(json), run(['audit', 'node', '--host-root', root, '--fail-on', 'never'])]);
    expect(sea.code, sea.stderr).toBe(0);
    expect(src.code, src.stderr).toBe(0);
    expect(text.code, text.stderr).toBe(0);
    const fromSea = JSON.parse(sea.stdout) as ScanRun;
    expect(fromSea.results.length).toBeGreaterThan(100);
    expect(comparable(fromSea)).toEqual(comparable(JSON.parse(src.stdout) as ScanRun));
    // And those of the audit in this process.
    expect(comparable(fromSea).results).toEqual(comparable(auditNode({ hostRoot: root }).run).results);
    expect(text.stdout).toContain(`benchmark ${fromSea.benchmark.id}`);
  }, 180_000);

  it('text and exit codes: a default node has scored failures (exit 1)', async () => {
    const root = fixtureTree('rke2-server-default');
    roots.push(root);
    const r = await run(['audit', 'node', '--host-root', root]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL/i);
  });

  it('extracts its data once, privately, and rebuilds a tampered copy', async () => {
    const base = path.join(env.HOME!, '.cache', 'rke-harden', 'sea-data');
    const dirs = fs.readdirSync(base);
    expect(dirs).toHaveLength(1);
    const dir = path.join(base, dirs[0]!);
    expect(fs.statSync(dir).mode & 0o077).toBe(0);
    expect(fs.existsSync(path.join(dir, 'checks'))).toBe(true);
    const marker = path.join(dir, '.rke-harden-data-complete');
    const before = fs.statSync(marker).mtimeMs;
    expect((await run(['benchmarks'])).code).toBe(0);
    expect(fs.statSync(marker).mtimeMs).toBe(before); // reused
    fs.writeFileSync(marker, 'not-the-hash\n');
    fs.rmSync(path.join(dir, 'benchmarks'), { recursive: true });
    const again = await run(['benchmarks']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/rke2-cis-1\.12/);
    expect(fs.existsSync(path.join(dir, 'benchmarks'))).toBe(true);
    // An explicit directory wins.
    const explicit = path.join(work, 'data-dir');
    expect((await run(['benchmarks'], { RKE_HARDEN_DATA_DIR: explicit })).code).toBe(0);
    expect(fs.existsSync(path.join(explicit, 'benchmarks'))).toBe(true);
    // A directory inside another user's (a /tmp/rke-harden-0 made in advance) is never used: they could swap it.
    if (process.getuid?.() === 0) {
      const theirs = path.join(work, 'theirs');
      fs.mkdirSync(theirs, { mode: 0o755 });
      fs.chownSync(theirs, 65534, 65534);
      const refused = await run(['benchmarks'], { RKE_HARDEN_DATA_DIR: path.join(theirs, 'data') });
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toMatch(/is not a private directory of this user's/);
      expect(fs.existsSync(path.join(theirs, 'data', 'benchmarks'))).toBe(false);
    }
  });

  it('the node agent collects in a child process of the executable itself', async () => {
    const root = fixtureTree('rke2-agent');
    roots.push(root);
    const r = await run(['agent', 'node', '--host-root', root, '--proc-dir', path.join(root, 'proc'), '--node-name', 'agent-1', '--publish', 'stdout', '--once']);
    expect(r.code, r.stderr).toBe(0);
    const envelope = JSON.parse(r.stdout) as { status: string; snapshot: { distro: string; target: { name: string } } };
    expect(envelope).toMatchObject({ status: 'ok', snapshot: { distro: 'rke2', target: { name: 'agent-1' } } });
  });
});
