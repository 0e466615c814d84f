// The container image (Dockerfile), built for real: $RKE_HARDEN_IMAGE names it (scripts/ci-image.sh
// builds it with scripts/build-image.sh and sets it). The CLI runs in it; it is distroless and
// non-root (uid 65532, no shell, no package manager, production files only, owned by root); `audit
// node` on fixture host roots bind-mounted read-only, with the node agent's security context from
// the Helm chart (root, every capability dropped but DAC_READ_SEARCH, read-only root filesystem,
// no privilege escalation), gives the verdicts of the CLI from its sources; as the default user,
// or without DAC_READ_SEARCH, it cannot read what it must and says so (exit 3). Size is bounded.
//
// Without $RKE_HARDEN_IMAGE (or a Docker engine that knows the image) the file is skipped with the
// reason, unless RKE_HARDEN_IMAGE_TEST=required (scripts/ci-image.sh sets it): then it fails.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import type { ScanRun } from '../../src/model/result.js';
import { fixtureTrees } from '../support/node-audit.js';
import { runCommand } from '../support/run-command.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const VERSION = (JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
const IMAGE = process.env.RKE_HARDEN_IMAGE;
const required = process.env.RKE_HARDEN_IMAGE_TEST === 'required';

function unavailableReason(): string | undefined {
  if (!IMAGE) return 'RKE_HARDEN_IMAGE is not set (scripts/ci-image.sh builds the image and sets it)';
  const inspect = spawnSync('docker', ['image', 'inspect', IMAGE], { encoding: 'utf8', timeout: 30_000 });
  if (inspect.error) return `docker: ${inspect.error.message}`;
  if (inspect.status !== 0) return `docker image inspect ${IMAGE}: ${inspect.stderr.trim()}`;
  return undefined;
}
const skipReason = unavailableReason();
if (skipReason && required) throw new Error(`docker image test required but cannot run: ${skipReason}`);
if (skipReason) console.warn(`docker image test skipped: ${skipReason}`);

/** The node agent's container securityContext in deploy/helm/rke-harden/templates (DaemonSet). */
const AGENT_SECURITY = ['--user', '0:0', '--read-only', '--cap-drop', 'ALL', '--cap-add', 'DAC_READ_SEARCH', '--security-opt', 'no-new-privileges'];

const exec = (cmd: string, args: string[], cwd = REPO) => runCommand(cmd, args, { cwd });
const docker = (args: string[]) => exec('docker', args);
/** `docker run --rm [options] IMAGE args...`. */
const run = (args: string[], options: string[] = []) => docker(['run', '--rm', '--network', 'none', ...options, IMAGE!, ...args]);
/** The same host tree mounted read-only at /host. */
const hostMount = (root: string) => ['--volume', `${root}:/host:ro`];
/** The CLI from its sources (node + tsx), for comparison. */
const fromSources = (args: string[]) => exec(process.execPath, ['--import', 'tsx', path.join(REPO, 'src/agent/entry.ts'), ...args]);

/** Results without the run's timestamps. */
const comparable = (run: ScanRun) => ({ ...run, startedAt: '', finishedAt: '' });
const statusOf = (run: ScanRun, id: string) => run.results.find((r) => r.controlId === id)?.status;

interface Entry {
  path: string;
  type: string;
  mode: string;
  owner: string;
  size: number;
}

describe.skipIf(!!skipReason)(`container image ${IMAGE ?? ''}`, () => {
  const tree = fixtureTrees();
  const containers: string[] = [];
  afterAll(async () => {
    for (const c of containers) await docker(['rm', '--force', c]);
  });

  /** The image's file system: `docker export` of a created (never started) container, listed by tar. */
  let listing: Entry[] | undefined;
  const files = async (): Promise<Entry[]> => {
    if (listing) return listing;
    const created = await docker(['create', IMAGE!]);
    expect(created.code, created.stderr).toBe(0);
    const id = created.stdout.trim();
    containers.push(id);
    const tar = await exec('bash', ['-o', 'pipefail', '-c', `docker export ${id} | tar -tv --numeric-owner`]);
    expect(tar.code, tar.stderr).toBe(0);
    // "-rw-r--r-- 0/0   1468 2026-11-27 11:37 app/data/x.yaml" (links: "name -> target").
    listing = tar.stdout
      .trim()
      .split('\n')
      .map((line) => {
        const m = /^(\S)(\S{9})\s+(\d+\/\d+)\s+(\d+)\s+\S+\s+\S+\s+(.*?)(?: -> .*| link to .*)?$/.exec(line);
        if (!m) throw new Error(`unexpected tar line: ${line}`);
        return { type: m[1]!, mode: m[2]!, owner: m[3]!, size: Number(m[4]), path: m[5]!.replace(/\/$/, '') };
      });
    return listing;
  };

  it('runs the CLI: --version, benchmarks (as from the sources), --help by default', async () => {
    const [version, benchmarks, help, srcBenchmarks] = await Promise.all([run(['--version']), run(['benchmarks']), run([]), fromSources(['benchmarks'])]);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);
    expect(version.stderr).toBe('');
    expect(benchmarks.code, benchmarks.stderr).toBe(0);
    expect(benchmarks.stdout).toMatch(/^rke2-cis-1\.12\s/m);
    expect(benchmarks.stdout).toMatch(/^rke-cis-1\.24-hardened\s/m);
    expect(benchmarks.stdout).toBe(srcBenchmarks.stdout);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^Usage: rke-harden/);
    expect(help.stdout).toMatch(/\baudit\b/);
  });

  it('is configured as distroless nodejs20 :nonroot: user 65532, node as the entrypoint, workdir /app', async () => {
    const inspect = await docker(['image', 'inspect', IMAGE!]);
    expect(inspect.code, inspect.stderr).toBe(0);
    const [image] = JSON.parse(inspect.stdout) as [{ Config: { User: string; Entrypoint: string[]; Cmd: string[]; WorkingDir: string; Env: string[] } }];
    expect(image.Config.User).toBe('65532:65532');
    expect(image.Config.Entrypoint).toEqual(['/nodejs/bin/node', '/app/bin/rke-harden.js']);
    expect(image.Config.Cmd).toEqual(['--help']);
    expect(image.Config.WorkingDir).toBe('/app');
    expect(image.Config.Env).toContain('NODE_ENV=production');
    // And so does the process: uid/gid 65532, Node.js 20.
    const who = await run(['-e', 'process.stdout.write(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), node: process.versions.node }))'], ['--entrypoint', '/nodejs/bin/node']);
    expect(who.code, who.stderr).toBe(0);
    const ids = JSON.parse(who.stdout) as { uid: number; gid: number; node: string };
    expect(ids).toMatchObject({ uid: 65532, gid: 65532 });
    expect(ids.node).toMatch(/^20\./);
  });

  it('has no shell, no package manager, no executables but node', async () => {
    const sh = await run(['-c', 'true'], ['--entrypoint', '/bin/sh']);
    expect(sh.code).not.toBe(0);
    expect(sh.stderr).toMatch(/no such file or directory|not found/i);
    const entries = await files();
    const paths = new Set(entries.map((e) => e.path));
    for (const absent of ['bin/sh', 'usr/bin/sh', 'bin/bash', 'usr/bin/bash', 'bin/busybox', 'usr/bin/apt', 'usr/bin/apt-get', 'usr/bin/dpkg', 'var/lib/dpkg/status', 'usr/local/bin/npm']) {
      expect(paths.has(absent), absent).toBe(false);
    }
    // Outside the app, the only thing in a bin/ or sbin/ directory is node.
    const commands = entries.filter((e) => e.type !== 'd' && /(^|\/)s?bin\/./.test(e.path) && !e.path.startsWith('app/'));
    expect(commands.map((e) => e.path)).toEqual(['nodejs/bin/node']);
  });

  it('holds the package layout (bundle, compiled catalog, data), no node_modules, read-only to its user', async () => {
    const entries = await files();
    const paths = new Set(entries.map((e) => e.path));
    for (const present of ['app/package.json', 'app/bin/rke-harden.js', 'app/dist/bundle/main.js', 'app/dist/catalog.json', 'app/dist/data.json', 'app/benchmarks/rke2-cis-1.12.yaml', 'app/schemas/scan-run.schema.json', 'app/data/namespace-exemptions/rke2.yaml']) {
      expect(paths.has(present), present).toBe(true);
    }
    expect(entries.some((e) => e.path.startsWith('app/checks/') && e.path.endsWith('.yaml'))).toBe(true);
    // No sources, tests or dev tooling; no declarations or source maps.
    for (const dir of ['app/src', 'app/test', 'app/bench', 'app/scripts', 'app/.git']) expect(paths.has(dir), dir).toBe(false);
    // The bundle carries the dependencies: no node_modules, and no unbundled compiler output.
    expect([...paths].filter((p) => p.startsWith('app/node_modules') || p.startsWith('app/dist/cli/'))).toEqual([]);
    expect(entries.filter((e) => e.path.startsWith('app/') && /\.(d\.[cm]?ts|map)$/.test(e.path)).map((e) => e.path)).toEqual([]);
    // Owned by root, writable by nobody else: uid 65532 cannot change the code it runs.
    const app = entries.filter((e) => e.path === 'app' || e.path.startsWith('app/'));
    expect(app.filter((e) => e.owner !== '0/0').map((e) => e.path)).toEqual([]);
    expect(app.filter((e) => e.type !== 'l' && /w/.test(e.mode.slice(3))).map((e) => e.path)).toEqual([]);
    const home = entries.find((e) => e.path === 'home/nonroot');
    expect(home?.owner).toBe('65532/65532');
  });

  it('size: bounded, and reported', async () => {
    const inspect = await docker(['image', 'inspect', '--format', '{{.Size}}', IMAGE!]);
    const total = Number(inspect.stdout.trim());
    const entries = await files();
    const sum = (prefix: string) => entries.filter((e) => e.path.startsWith(prefix)).reduce((s, e) => s + e.size, 0);
    const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
    const app = sum('app/');
    const bundle = sum('app/dist/bundle/');
    const node = sum('nodejs/bin/node');
    console.log(`image ${IMAGE}: ${mb(total)} — node ${mb(node)}, app ${mb(app)} (bundle ${mb(bundle)}, data and the rest ${mb(app - bundle)}), other ${mb(total - node - app)}`);
    // Distroless nodejs20 is ~130 MB (node itself ~100 MB); the app adds ~10 MB (bundle ~7 MB).
    expect(total).toBeGreaterThan(100e6);
    expect(total).toBeLessThan(200e6);
    expect(app).toBeLessThan(20e6);
    expect(bundle).toBeLessThan(12e6);
  });

  it.each(['rke2-server-hardened', 'rke1-etcd-controlplane-default', 'rke2-agent'] as const)(
    "audit node on %s as the chart's agent runs it: the verdicts of the CLI from its sources",
    async (fixture) => {
      const root = tree(fixture);
      const r = await run(['audit', 'node', '--host-root', '/host', '--format', 'json', '--fail-on', 'never'], [...AGENT_SECURITY, ...hostMount(root)]);
      expect(r.code, r.stderr).toBe(0);
      const fromImage = JSON.parse(r.stdout) as ScanRun;
      expect(fromImage.results.length).toBeGreaterThan(100);
      expect(fromImage.summary.error).toBe(0);
      expect(fromImage.tool).toEqual({ name: 'rke-harden', version: VERSION });
      const inProcess = auditNode({ hostRoot: root }).run;
      expect(comparable(fromImage).results).toEqual(comparable(inProcess).results);
      expect(fromImage.summary).toEqual(inProcess.summary);
      expect(fromImage.targets).toEqual(inProcess.targets);
      if (fixture === 'rke2-server-hardened') {
        // test/unit/node-fixtures.test.ts: profile cis passes the file, API server and etcd controls.
        expect(fromImage.benchmark.id).toBe('rke2-cis-1.12');
        expect(['0.7', '1.1.1', '1.1.12', '1.2.1', '2.1', '2.7', '4.2.13'].map((id) => statusOf(fromImage, id))).toEqual(Array(7).fill('pass'));
        expect(['1.2.3', '4.2.12'].map((id) => statusOf(fromImage, id))).toEqual(['fail', 'fail']);
        expect(statusOf(fromImage, '4.1.1')).toBe('notApplicable');
      }
    },
  );

  it('audit node on a default RKE2 server: scored failures, exit 1, in text', async () => {
    const root = tree('rke2-server-default');
    const [text, json] = await Promise.all([
      run(['audit', 'node', '--host-root', '/host'], [...AGENT_SECURITY, ...hostMount(root)]),
      run(['audit', 'node', '--host-root', '/host', '--format', 'json'], [...AGENT_SECURITY, ...hostMount(root)]),
    ]);
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toMatch(/FAIL/);
    expect(json.code, json.stderr).toBe(1);
    const result = JSON.parse(json.stdout) as ScanRun;
    expect(result.benchmark.id).toBe('rke2-cis-1.11');
    // No profile: 0644 pod manifests, no etcd user, no profile in config.yaml; the defaults that pass.
    expect(['0.5', '0.7', '1.1.1', '1.1.12', '1.2.16'].map((id) => statusOf(result, id))).toEqual(Array(5).fill('fail'));
    expect(['0.2', '1.1.2', '1.2.1', '2.1', '4.3.1'].map((id) => statusOf(result, id))).toEqual(Array(5).fill('pass'));
    expect(text.stdout).toContain(`benchmark ${result.benchmark.id}`);
  });

  it("cannot read the components' files as its default user, nor as root without DAC_READ_SEARCH: errors, exit 3", async () => {
    const root = tree('rke2-server-hardened');
    const args = ['audit', 'node', '--host-root', '/host', '--format', 'json', '--fail-on', 'never'];
    const [nonRoot, noCap] = await Promise.all([
      run(args, ['--read-only', ...hostMount(root)]),
      run(args, ['--user', '0:0', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', ...hostMount(root)]),
    ]);
    expect(nonRoot.code, nonRoot.stderr).toBe(3);
    const asNonRoot = JSON.parse(nonRoot.stdout) as ScanRun;
    expect(asNonRoot.summary.error).toBeGreaterThan(20);
    expect(asNonRoot.results.find((r) => r.controlId === '1.1.1')).toMatchObject({ status: 'error', reason: expect.stringMatching(/kube-apiserver\.yaml: permission denied \(EACCES\)/) });
    // Root, but the etcd-owned 0700 directories are out of reach without DAC_READ_SEARCH.
    expect(noCap.code, noCap.stderr).toBe(3);
    const withoutCap = JSON.parse(noCap.stdout) as ScanRun;
    const errors = withoutCap.results.filter((r) => r.status === 'error');
    expect(errors.map((r) => r.controlId)).toEqual(expect.arrayContaining(['1.1.19', '2.1', '2.7']));
    expect(errors.every((r) => /EACCES/.test(r.reason ?? ''))).toBe(true);
    expect(errors.length).toBeLessThan(asNonRoot.summary.error);
  });

  it('the node agent publishes one scan to stdout', async () => {
    const root = tree('rke2-agent');
    const r = await run(['agent', 'node', '--host-root', '/host', '--proc-dir', '/host/proc', '--node-name', 'agent-1', '--publish', 'stdout', '--once'], [...AGENT_SECURITY, ...hostMount(root)]);
    expect(r.code, r.stderr).toBe(0);
    const envelope = JSON.parse(r.stdout) as { status: string; snapshot: { distro: string; target: { name: string } } };
    expect(envelope).toMatchObject({ status: 'ok', snapshot: { distro: 'rke2', target: { name: 'agent-1' } } });
  });

  it("audit config on the bundled examples (the README's quick start) as uid 65532: the report of the sources", async () => {
    const args = ['audit', 'config', 'examples/', '--k8s-version', 'v1.31.4+rke2r1', '--format', 'json', '--fail-on', 'never'];
    const [image, src] = await Promise.all([run(args, ['--read-only', '--volume', `${path.join(REPO, 'examples')}:/app/examples:ro`]), fromSources(args)]);
    expect(image.code, image.stderr).toBe(0);
    expect(src.code, src.stderr).toBe(0);
    const fromImage = JSON.parse(image.stdout) as ScanRun;
    expect(fromImage.results.length).toBeGreaterThan(0);
    expect(comparable(fromImage)).toEqual(comparable(JSON.parse(src.stdout) as ScanRun));
  });
});
