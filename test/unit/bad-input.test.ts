import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';
import { fixtureTree } from '../support/node-audit.js';
import { parseYamlText } from '../../src/config/read-yaml-file.js';
import { RkeHardenError } from '../../src/errors/rke-harden-error.js';
import { mergeRke2Config } from '../../src/config/rke2/merge-config-files.js';
import { effectiveRke2 } from '../../src/config/rke2/effective-rke2.js';

async function auditFile(name: string, content: string | Buffer, extra: string[] = []) {
  const dir = tempTree({ [name]: content });
  const out = path.join(dir, 'report.json');
  const r = await runCli(['audit', 'config', path.join(dir, name), '--output', out, ...extra]);
  return { ...r, wrote: fs.existsSync(out) };
}

describe('bad input: one clear line naming the file, exit 2, nothing written', () => {
  const cases: [string, string, string | Buffer, RegExp][] = [
    ['malformed YAML', 'cluster.yml', 'services: [\n  kube-api: {\n', /cluster\.yml:\d+:\d+: invalid YAML/],
    ['extra_args as a list', 'cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube-api:\n    extra_args:\n      - profiling=false\n', /cluster\.yml:5:7: services\.kube-api\.extra_args: must be a map/],
    ['number for a string', 'cluster.yml', 'kubernetes_version: 1.28\nservices: {}\n', /cluster\.yml:1:21: kubernetes_version: must be a string/],
    ['alias bomb', 'cluster.yml', 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nservices: {}\n', /alias/i],
    ['empty file', 'cluster.yml', '', /cluster\.yml: file is empty/],
    ['binary file', 'cluster.yml', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3]), /cluster\.yml: binary file/],
    ['unknown version', 'cluster.yml', 'kubernetes_version: v1.99.0-rancher1-1\n', /kubernetes_version v1\.99\.0-rancher1-1 is newer than any RKE1 release/],
    ['not a version', 'cluster.yml', 'kubernetes_version: latest\n', /kubernetes_version: "latest" is not a Kubernetes version/],
    ['rke2 without version', 'config.yaml', 'profile: cis\n', /config\.yaml: an RKE2 config does not name its version: pass --k8s-version/],
    ['not a cluster config', 'deploy.yaml', 'apiVersion: v1\nkind: ConfigMap\n', /deploy\.yaml: a ConfigMap \(v1\) object, not an RKE1 cluster\.yml, an RKE2 config\.yaml or a Rancher provisioning Cluster$/m],
    ['not a cluster config, nor a Kubernetes object', 'settings.yaml', 'colour: blue\n', /settings\.yaml: not an RKE1 cluster\.yml, an RKE2 config\.yaml or a Rancher provisioning Cluster \(pass --distro to say which\)$/m],
    ['two YAML documents', 'cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\n---\nkind: ConfigMap\n', /cluster\.yml:1: a cluster\.yml among other YAML documents \(---\): one such configuration per file/],
    ['a list at the top', 'config.yaml', '- a\n- b\n', /an RKE2 config file is a map of settings|not an RKE1/],
    ['an RKE2 release name in cluster.yml', 'cluster.yml', 'kubernetes_version: v1.30.4+rke2r1\n', /cluster\.yml:1:21: kubernetes_version v1\.30\.4\+rke2r1 is an RKE2 release name; RKE1 names it like v1\.30\.4-rancher1-1/],
    ['a scalar where RKE wants a section', 'cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\nauthorization: rbac\n', /cluster\.yml:2:16: authorization: must be a map, got string/],
    ['a Go template', 'cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\nnodes:\n  - address: {{ rke.master.ip }}\n    role: [controlplane]\n', /cluster\.yml:3:14: looks like a template \(\{\{ … placeholders\): render it first, then audit or harden the result \(a map used as a key at 3:15\)/],
    ['a Terraform template', 'config.yaml', 'token: ${token}\n%{ if cis }\nprofile: cis\n%{ endif }\n', /config\.yaml:2:1: looks like a template \(%\{ … placeholders\): render it first, then audit or harden the result \(invalid YAML at 2:1\)/],
    ['a sed-style template', 'cluster.yaml', 'kind: Cluster\napiVersion: provisioning.cattle.io/v1\nmetadata:\n  name: %CLUSTER_NAME%\n', /cluster\.yaml:4:9: looks like a template \(%NAME% … placeholders\)/],
    ['an envsubst placeholder for the version', 'cluster.yml', 'kubernetes_version: "${kubernetes_version}"\n', /cluster\.yml:1:21: kubernetes_version: "\$\{kubernetes_version\}" is not a Kubernetes version \(expected e\.g\. v1\.28\.9\): the file looks like a template, render it first/],
    ['a map used as a key', 'cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\n? {a: 1}\n: x\n', /cluster\.yml:2:3: invalid YAML: a map or list used as a key/],
    ['a Rancher K3s cluster', 'cluster.yaml', 'apiVersion: provisioning.cattle.io/v1\nkind: Cluster\nmetadata:\n  name: edge\nspec:\n  kubernetesVersion: v1.27.8+k3s2\n  rkeConfig: {}\n', /cluster\.yaml \(edge\): version v1\.27\.8\+k3s2 is a K3s release: rke-harden audits RKE1 and RKE2 clusters, not K3s/],
  ];
  for (const [name, file, content, message] of cases) {
    it(name, async () => {
      const r = await auditFile(file, content);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(new RegExp(file.replace('.', '\\.')));
      expect(r.wrote).toBe(false);
      expect(r.stdout).toBe('');
    });
  }

  it('a benchmark of the other distro', async () => {
    const r = await auditFile('cluster.yml', 'kubernetes_version: v1.28.15-rancher1-1\n', ['--benchmark', 'rke2-cis-1.11']);
    expect(r).toMatchObject({ code: 2, wrote: false, stdout: '' });
    expect(r.stderr.trim()).toMatch(/^rke-harden: \S*cluster\.yml: --benchmark rke2-cis-1\.11 is an RKE2 profile, but this is an RKE1 configuration$/);
  });

  it('audit cluster: --distro and --benchmark that disagree, before any connection', async () => {
    const r = await runCli(['audit', 'cluster', '--kubeconfig', '/nonexistent/kubeconfig', '--distro', 'rke1', '--benchmark', 'rke2-cis-1.11']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('rke-harden: --benchmark rke2-cis-1.11 is an RKE2 profile, but --distro says RKE1');
  });

  it('--output writes through a symbolic link, to a device or pipe as it is, and never over a file the command reads', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\n', 'target.json': 'before' });
    const cfg = path.join(dir, 'cluster.yml');
    fs.symlinkSync('target.json', path.join(dir, 'link.json'));
    expect((await runCli(['audit', 'config', cfg, '-o', 'json', '--output', path.join(dir, 'link.json'), '--fail-on', 'never'])).code).toBe(0);
    expect(fs.lstatSync(path.join(dir, 'link.json')).isSymbolicLink()).toBe(true); // still a link,
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'target.json'), 'utf8')).schemaVersion).toBe('1'); // its file has the report
    // A character device stays one (as root, a rename would have put a plain file at /dev/null).
    expect((await runCli(['audit', 'config', cfg, '--output', '/dev/null', '--fail-on', 'never'])).code).toBe(0);
    expect(fs.statSync('/dev/null').isCharacterDevice()).toBe(true);
    // /dev/stdout when stdout is a pipe: a link whose realpath (/proc/<pid>/fd/pipe:[N]) cannot be opened.
    const piped = spawnSync(process.execPath, ['bin/rke-harden.js', 'audit', 'config', cfg, '-o', 'json', '--output', '/dev/stdout', '--fail-on', 'never'], { encoding: 'utf8' });
    expect(piped.status, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).schemaVersion).toBe('1');
    // Another user's link is not followed (it could point root's write at /etc/shadow).
    if (process.getuid?.() === 0) {
      fs.writeFileSync(path.join(dir, 'victim'), 'precious\n');
      fs.symlinkSync('victim', path.join(dir, 'planted.json'));
      fs.lchownSync(path.join(dir, 'planted.json'), 65534, 65534);
      const planted = await runCli(['audit', 'config', cfg, '-o', 'json', '--output', path.join(dir, 'planted.json'), '--fail-on', 'never']);
      expect([planted.code, planted.stderr.trim()]).toEqual([2, `rke-harden: ${path.join(dir, 'planted.json')}: a symbolic link owned by uid 65534, not followed: write to its target directly`]);
      expect(fs.readFileSync(path.join(dir, 'victim'), 'utf8')).toBe('precious\n');
    }
    // The file audited, or the waivers read, is not written over; nor are --output and --snapshot-out one file.
    const same = await runCli(['audit', 'config', cfg, '--output', cfg]);
    expect(same.code).toBe(2);
    expect(same.stderr.trim()).toBe(`rke-harden: --output ${cfg}: that is a file this command reads; write elsewhere`);
    expect(fs.readFileSync(cfg, 'utf8')).toBe('kubernetes_version: v1.28.15-rancher1-1\n');
  });

  it('--output never goes over any file the command read: one found in a directory, a drop-in, a scan diff compares', async () => {
    const dir = tempTree({ 'rke1/cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\n', 'rke2/config.yaml': 'profile: cis\n', 'rke2/config.yaml.d/50-x.yaml': 'node-name: a\n' });
    const refused = async (args: string[], file: string) => {
      const before = fs.readFileSync(file, 'utf8');
      const r = await runCli([...args, '--output', file]);
      expect([r.code, r.stderr.trim()]).toEqual([2, `rke-harden: --output ${file}: that is a file this command reads; write elsewhere`]);
      expect(fs.readFileSync(file, 'utf8')).toBe(before);
    };
    await refused(['audit', 'config', dir, '--k8s-version', 'v1.31.4+rke2r1'], path.join(dir, 'rke1/cluster.yml'));
    await refused(['audit', 'config', path.join(dir, 'rke2/config.yaml'), '--k8s-version', 'v1.31.4+rke2r1'], path.join(dir, 'rke2/config.yaml.d/50-x.yaml'));
    const scan = path.join(dir, 'scan.json');
    await runCli(['audit', 'config', path.join(dir, 'rke1'), '-o', 'json', '--output', scan, '--fail-on', 'never']);
    await refused(['diff', scan, scan], scan);
    // A report beside the configurations is fine.
    expect((await runCli(['audit', 'config', dir, '--k8s-version', 'v1.31.4+rke2r1', '--output', path.join(dir, 'report.txt'), '--fail-on', 'never'])).code).toBe(0);
  });

  it('report options before the sub-command count (they were dropped); target options there are refused', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\n' });
    const cfg = path.join(dir, 'cluster.yml');
    const json = await runCli(['audit', '-o', 'json', '--fail-on', 'never', 'config', cfg]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).schemaVersion).toBe('1');
    // The sub-command's own option wins.
    expect((await runCli(['audit', '-o', 'json', 'config', cfg, '-o', 'markdown', '--fail-on', 'never'])).stdout).toMatch(/^## rke-harden: /);
    const misplaced = await runCli(['audit', '--node', '/', 'config', cfg]);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr.trim()).toBe('rke-harden: audit config: --node belongs to `audit` without a sub-command');
    // Options the sub-command also takes count the same before it: --benchmark, --k8s-version, …
    const bench = await runCli(['audit', '--benchmark', 'rke-cis-1.7-hardened', '-o', 'json', 'config', cfg, '--fail-on', 'never']);
    expect(JSON.parse(bench.stdout).targets[0].benchmark).toBe('rke-cis-1.7-hardened');
    expect((await runCli(['audit', '--kubeconfig', cfg, 'config', cfg])).stderr.trim()).toBe('rke-harden: audit config: --kubeconfig belongs to `audit` without a sub-command');
  });

  it('a numeric option that is not a positive number: exit 2 naming the flag and the value, before any request', async () => {
    for (const [args, msg] of [
      [['audit', 'cluster', '--distro', 'rke2', '--timeout', 'abc'], '--timeout abc: a number greater than 0'],
      [['audit', 'cluster', '--distro', 'rke2', '--request-timeout', '-5'], '--request-timeout -5: a number greater than 0'],
      [['audit', 'cluster', '--distro', 'rke2', '--page-size', '1.5'], '--page-size 1.5: a whole number greater than 0'],
      [['harden', 'cluster', '--concurrency', 'abc'], '--concurrency abc: a whole number greater than 0'],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim()).toBe(`rke-harden: ${msg}`);
    }
  });

  it('an output path that cannot be written: exit 2 naming it, no temporary file left', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\n', 'afile': 'x' });
    const cfg = path.join(dir, 'cluster.yml');
    const cases: [string[], RegExp][] = [
      [['audit', 'config', cfg, '--output', path.join(dir, 'missing', 'r.json')], /missing\/r\.json: cannot write: no such directory \(ENOENT\)$/],
      [['audit', 'config', cfg, '--output', dir], /: cannot write: is a directory \(EISDIR\)$/],
      [['harden', 'config', '--distro', 'rke1', '--from', cfg, '--out', path.join(dir, 'afile')], /afile\/cluster\.yml: cannot write: (a parent is not a directory \(ENOTDIR\)|a file is in the way of a directory \(EEXIST\))$/],
    ];
    for (const [argv, message] of cases) {
      const r = await runCli(argv);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    expect(fs.readdirSync(dir).sort()).toEqual(['afile', 'cluster.yml']);
  });

  it('a huge file is refused before it is parsed', async () => {
    const r = await auditFile('cluster.yml', `# ${'x'.repeat(5 * 1024 * 1024)}\n`);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/too large/);
  });

  it('Rancher\'s cluster: a service under both spellings: one warning, the first spelling used', async () => {
    const dir = tempTree({ 'cluster.yml': 'rancher_kubernetes_engine_config:\n  kubernetes_version: v1.28.15-rancher1-1\n  services:\n    kube-api:\n      extra_args: {profiling: "false"}\n    kube_api:\n      extra_args: {profiling: "true"}\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '-o', 'json']);
    const run = JSON.parse(r.stdout) as { warnings: string[]; results: { controlId: string; status: string }[] };
    expect(run.warnings.filter((w) => w.includes('both kube-api and kube_api'))).toEqual([expect.stringMatching(/cluster\.yml:7:7: both kube-api and kube_api are set; kube-api is used$/)]);
    expect(run.results.find((x) => x.controlId === '1.2.16')?.status).toBe('pass');
  });

  it('a plain cluster.yml: services.kube_api is what `rke up` drops (it reads its YAML tags): named, not read', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nservices:\n  kube_api:\n    secrets_encryption_config: {enabled: true}\n  kube_controller:\n    extra_args: {bind-address: 127.0.0.1}\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '-o', 'json', '--fail-on', 'never']);
    const run = JSON.parse(r.stdout) as { warnings: string[]; results: { controlId: string; status: string }[] };
    expect(run.warnings.filter((w) => /ignored by rke up/.test(w))).toEqual([
      expect.stringMatching(/cluster\.yml:4:5: services\.kube_api is ignored by rke up, which reads services\.kube-api \(kube_api is how Rancher's API spells it\): its settings are not applied$/),
      expect.stringMatching(/cluster\.yml:6:5: services\.kube_controller is ignored by rke up, which reads services\.kube-controller/),
    ]);
    expect(run.results.find((x) => x.controlId === '1.3.7')?.status).toBe('fail'); // RKE's default bind-address runs
  });

  it('a --k8s-version the file contradicts is not used for it, and a warning says so', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nservices: {}\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '--k8s-version', 'v1.31.4-rancher1-1', '-o', 'json']);
    const run = JSON.parse(r.stdout) as { warnings: string[]; targets: { k8sVersion: string; benchmark: string }[] };
    expect(run.targets[0]).toMatchObject({ k8sVersion: 'v1.28.15-rancher1-1', benchmark: 'rke-cis-1.8-hardened' });
    expect(run.warnings).toContainEqual(expect.stringMatching(/cluster\.yml:1:21: v1\.28\.15-rancher1-1 is the version this file names; --k8s-version v1\.31\.4-rancher1-1 is not used for it$/));
  });

  it('a K3s release for an RKE2 config.yaml is refused, in audit and harden', async () => {
    const dir = tempTree({ 'config.yaml': 'write-kubeconfig-mode: "0644"\n' });
    for (const argv of [['audit', 'config', path.join(dir, 'config.yaml')], ['harden', 'config', '--distro', 'rke2']]) {
      const r = await runCli([...argv, '--k8s-version', 'v1.30.4+k3s1']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/v1\.30\.4\+k3s1 is a K3s release: rke-harden audits RKE1 and RKE2 clusters, not K3s$/)]);
    }
  });

  it('an RKE1 release name for an RKE2 file is refused (its defaults would be the wrong distro\'s), in audit and harden', async () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\n' });
    for (const argv of [['audit', 'config', path.join(dir, 'config.yaml')], ['harden', 'config', '--distro', 'rke2']]) {
      const r = await runCli([...argv, '--k8s-version', 'v1.30.4-rancher1-1']);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/v1\.30\.4-rancher1-1 is an RKE1 release name; RKE2 names it like v1\.30\.4\+rke2r1$/)]);
    }
  });

  it('an *-arg item that is no flag (kube-apiserver-arg: 5) is a warning naming file:line, not silently dropped', async () => {
    const dir = tempTree({ 'config.yaml': 'kube-apiserver-arg: 5\nkubelet-arg:\n  - "a b=c"\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'config.yaml'), '--k8s-version', 'v1.31.4+rke2r1', '-o', 'json']);
    const warnings = (JSON.parse(r.stdout) as { warnings: string[] }).warnings;
    expect(warnings).toContainEqual(expect.stringMatching(/config\.yaml:1:21: kube-apiserver-arg: "5" is not flag=value; RKE2 would pass it as --5 and the component would refuse to start$/));
    expect(warnings).toContainEqual(expect.stringMatching(/config\.yaml:3:5: kubelet-arg: "a b=c" is not flag=value/));
  });

  it('unknown keys are a warning naming file:line, not a crash', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nservicez: {}\n' });
    const r = await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '-o', 'json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).warnings.join('\n')).toMatch(/cluster\.yml:2:1: unknown key servicez/);
  });

  it('unknown distro, benchmark and format are usage errors', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\n' });
    expect((await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '--distro', 'rke3'])).code).toBe(2);
    expect((await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '--benchmark', 'cis-9.9'])).code).toBe(2);
    expect((await runCli(['audit', 'config', path.join(dir, 'cluster.yml'), '--format', 'pdf'])).code).toBe(2);
  });
});

describe('parsers never crash on arbitrary input (property-based)', () => {
  it('YAML text either parses or fails with an input error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        try {
          parseYamlText('f.yaml', text);
        } catch (e) {
          expect(e).toBeInstanceOf(RkeHardenError);
          expect((e as RkeHardenError).code).toBe('input');
        }
      }),
      { numRuns: 400 },
    );
  });

  it('any RKE2 config map gives a snapshot or an input error, never a crash', () => {
    const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.array(fc.string({ maxLength: 20 }), { maxLength: 4 }));
    const key = fc.constantFrom('profile', 'kube-apiserver-arg', 'kube-apiserver-arg+', 'kubelet-arg', 'etcd-arg', 'protect-kernel-defaults', 'audit-policy-file', 'node-ip', 'weird key', 'disable-etcd');
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (cfg) => {
        const text = Object.entries(cfg).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join('\n') || '{}';
        try {
          const snap = effectiveRke2(mergeRke2Config([parseYamlText('config.yaml', text)]), { k8sVersion: 'v1.30.2+rke2r1', name: 'p' });
          for (const f of Object.values(snap.facts)) expect(f.key.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(RkeHardenError);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('files that are not files: no hang, no endless read', () => {
  it('a named pipe among the configurations or in a host tree is refused; a link to /dev/zero stops at the size limit; a shell pipe is read', async () => {
    const dir = tempTree({ 'rke2/config.yaml': 'profile: cis\n' });
    execFileSync('mkfifo', [path.join(dir, 'rke2/zz-fifo.yaml')]);
    const fifo = await runCli(['audit', 'config', path.join(dir, 'rke2'), '--k8s-version', 'v1.31.4+rke2r1']);
    // Found in a directory walk: that file is an error target (exit 3), the others are audited; named alone, refused.
    expect([fifo.code, fifo.stderr]).toEqual([3, '']);
    expect(fifo.stdout).toContain(`${path.join(dir, 'rke2/zz-fifo.yaml')}: a named pipe, not a file: this file is not audited`);
    const named = await runCli(['audit', 'config', path.join(dir, 'rke2/zz-fifo.yaml'), '--k8s-version', 'v1.31.4+rke2r1']);
    expect([named.code, named.stderr.trim()]).toEqual([2, `rke-harden: ${path.join(dir, 'rke2/zz-fifo.yaml')}: a named pipe, not a file`]);

    const zero = tempTree({});
    fs.symlinkSync('/dev/zero', path.join(zero, 'config.yaml'));
    const endless = await runCli(['audit', 'config', path.join(zero, 'config.yaml'), '--k8s-version', 'v1.31.4+rke2r1']);
    expect(endless.code).toBe(2);
    expect(endless.stderr.trim()).toMatch(/config\.yaml: too large \(\d+ bytes; limit \d+\)$/);

    // A node's drop-in that is a pipe: that file is an error, the audit goes on.
    const root = fixtureTree('rke2-agent');
    try {
      fs.mkdirSync(path.join(root, 'etc/rancher/rke2/config.yaml.d'), { recursive: true });
      execFileSync('mkfifo', [path.join(root, 'etc/rancher/rke2/config.yaml.d/60-fifo.yaml')]);
      const node = spawnSync(process.execPath, ['bin/rke-harden.js', 'audit', 'node', '--host-root', root, '-o', 'json'], { encoding: 'utf8', timeout: 30_000 });
      expect(node.error).toBeUndefined(); // no timeout
      expect(node.stdout + node.stderr).toMatch(/60-fifo\.yaml.*not a regular file/);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }

    const piped = spawnSync('bash', ['-c', `${process.execPath} bin/rke-harden.js audit config <(printf 'kubernetes_version: v1.28.15-rancher1-1\\n') --distro rke1 -o json --fail-on never`], { encoding: 'utf8' });
    expect(piped.status, piped.stderr).toBe(0);
    expect(JSON.parse(piped.stdout).schemaVersion).toBe('1');
  });
});
