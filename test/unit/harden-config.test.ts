import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { hardenConfig, writeHardenedConfig } from '../../src/harden-config/harden-config.js';
import { auditConfig } from '../../src/cli/audit-config-command.js';
import { applyListRules } from '../../src/harden-config/repair-list-flags.js';
import { runCli } from '../support/run-cli.js';
import { tempTree } from '../support/temp-files.js';

const RKE2_VERSIONS = ['v1.23.17+rke2r1', 'v1.24.17+rke2r1', 'v1.25.9+rke2r1', 'v1.25.16+rke2r1', 'v1.26.15+rke2r1', 'v1.27.16+rke2r1',
  'v1.28.15+rke2r1', 'v1.29.15+rke2r1', 'v1.30.14+rke2r1', 'v1.31.4+rke2r1', 'v1.31.14+rke2r1', 'v1.32.5+rke2r1', 'v1.33.6+rke2r1',
  'v1.34.2+rke2r1', 'v1.35.1+rke2r1', 'v1.36.1+rke2r1'];
const RKE1_VERSIONS = ['v1.23.16-rancher2-3', 'v1.24.17-rancher1-1', 'v1.25.16-rancher2-3', 'v1.26.15-rancher1-1', 'v1.27.16-rancher1-1',
  'v1.28.15-rancher1-1', 'v1.29.10-rancher1-1', 'v1.30.6-rancher1-1', 'v1.31.2-rancher1-1'];
/** RKE1 cannot give etcd its own CA (etcd trusts kube-ca.pem like the API server); `harden config` notes it. */
const RKE1_UNFIXABLE = ['2.7'];

function reaudit(distro: 'rke1' | 'rke2', version: string, from?: string) {
  const out = tempTree({});
  const h = hardenConfig({ distro, k8sVersion: version, ...(from ? { from } : {}) });
  writeHardenedConfig(h, out);
  const { run } = auditConfig([path.join(out, h.fileName)], distro === 'rke2' ? { k8sVersion: version } : {});
  return { h, run, out };
}

describe('harden config: the output re-audited has no scored fail, for every supported version', () => {
  for (const version of RKE2_VERSIONS) {
    it(`RKE2 ${version}`, () => {
      const { run, h } = reaudit('rke2', version);
      const fails = run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => `${r.controlId} ${r.checkId}`);
      expect(fails).toEqual([]);
      expect(run.results.filter((r) => r.status === 'error')).toEqual([]);
      // Companion files are found and read: the audit policy is decided, not manual.
      expect(run.results.find((r) => r.checkId === 'apiserver-audit-policy-present')?.status).toBe('pass');
      expect(run.warnings.filter((w) => /rejected by RKE2|deprecated|was removed in Kubernetes/.test(w))).toEqual([]);
      expect(h.after).toMatch(/^profile: cis/m);
    });
  }
  for (const version of RKE1_VERSIONS) {
    it(`RKE1 ${version}`, () => {
      const { run } = reaudit('rke1', version);
      const fails = run.results.filter((r) => r.status === 'fail' && r.scored && !RKE1_UNFIXABLE.includes(r.controlId));
      expect(fails.map((r) => `${r.controlId} ${r.checkId}`)).toEqual([]);
      expect(run.results.filter((r) => r.status === 'error')).toEqual([]);
      expect(run.warnings.filter((w) => /unknown key|rejected|was removed in Kubernetes/.test(w))).toEqual([]);
    });
  }

  it('--role agent: the node\'s settings only, no control-plane keys RKE2 would ignore; re-audited as an agent, no scored fail', async () => {
    const dir = tempTree({ 'config.yaml': 'server: https://10.0.0.1:9345\ntoken: K10abc\nkubelet-arg:\n  - anonymous-auth=true\n' });
    for (const version of ['v1.24.17+rke2r1', 'v1.31.4+rke2r1']) {
      const h = hardenConfig({ distro: 'rke2', k8sVersion: version, from: path.join(dir, 'config.yaml'), role: 'agent' });
      const after = parse(h.after) as Record<string, unknown>;
      for (const key of ['kube-apiserver-arg', 'audit-policy-file', 'pod-security-admission-config-file']) expect(after[key], `${version} ${key}`).toBeUndefined();
      expect(after['kubelet-arg']).toEqual(['anonymous-auth=false', expect.stringMatching(/^tls-cipher-suites=/)]);
      expect(h.companions.map((c) => c.nodePath)).toEqual(['/etc/sysctl.d/60-rke2-cis.conf']);
      expect(h.stillFailing).toEqual([]);
      const out = tempTree({});
      writeHardenedConfig(h, out);
      const { run } = auditConfig([path.join(out, 'config.yaml')], { k8sVersion: version, role: 'agent' });
      expect(run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => r.controlId)).toEqual([]);
      expect(run.warnings.filter((w) => /ignored on an agent/.test(w))).toEqual([]);
    }
    const r = await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.28.15-rancher1-1', '--role', 'agent']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('rke-harden: --role agent: only for an RKE2 config.yaml (a cluster.yml names its nodes\' roles)');
  });

  it('picks the profile value each RKE2 release accepts', () => {
    expect(hardenConfig({ distro: 'rke2', k8sVersion: 'v1.24.17+rke2r1' }).after).toMatch(/^profile: cis-1\.6$/m);
    expect(hardenConfig({ distro: 'rke2', k8sVersion: 'v1.25.9+rke2r1' }).after).toMatch(/^profile: cis-1\.23$/m);
    expect(hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1' }).after).toMatch(/^profile: cis$/m);
  });
});

describe('harden config --from: merge into the user\'s file', () => {
  const USER_RKE2 = `# my server
node-ip: 10.0.0.7 # primary NIC
profile: cis-1.23   # from an old guide
kube-apiserver-arg:
  # keep our OIDC settings
  - oidc-issuer-url=https://sso.example.com
  - enable-admission-plugins=AlwaysPullImages
`;
  it('keeps comments, order and the user\'s own settings; fixes what is wrong for the version', () => {
    const dir = tempTree({ 'config.yaml': USER_RKE2 });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(h.after).toMatch(/^# my server\nnode-ip: 10\.0\.0\.7 # primary NIC\nprofile: cis {3}# from an old guide\n/);
    expect(h.after).toContain('  # keep our OIDC settings\n  - oidc-issuer-url=https://sso.example.com\n');
    expect(h.after).toContain('  - enable-admission-plugins=AlwaysPullImages,NodeRestriction,EventRateLimit\n');
    expect(h.notes.join('\n')).toMatch(/profile: cis-1\.23 → cis/);
    expect(h.diff).toMatch(/^-profile: cis-1\.23 {3}# from an old guide$/m);
    expect(h.diff).toMatch(/^\+profile: cis {3}# from an old guide$/m);
    expect(fs.readFileSync(path.join(dir, 'config.yaml'), 'utf8')).toBe(USER_RKE2);
  });

  it('keeps the spacing before trailing comments: a line the hardening does not change is not in the diff', () => {
    const user = 'node-ip: 10.0.0.7     # aligned\nnode-name: a         # aligned too\nkube-apiserver-arg:\n  - anonymous-auth=true   # mine\n  - audit-log-maxage=40   # 40 days\nlog: "a  #b"  # quoted\n';
    const dir = tempTree({ 'config.yaml': user });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(h.after.startsWith('node-ip: 10.0.0.7     # aligned\nnode-name: a         # aligned too\nkube-apiserver-arg:\n  - anonymous-auth=false   # mine\n  - audit-log-maxage=40   # 40 days\n')).toBe(true);
    expect(h.after).toContain('log: "a  #b"  # quoted\n');
    const changed = h.diff.split('\n').filter((l) => /^[-+](?![-+])/.test(l));
    expect(changed.filter((l) => l.includes('#'))).toEqual(['-  - anonymous-auth=true   # mine', '+  - anonymous-auth=false   # mine']);
  });

  it('keeps block scalars as they are: re-indented lines with a "#" inside are text, not comments', () => {
    // A hardened file but for one line, so that the lines the yaml library re-indents sit one place off.
    const hardened = hardenConfig({ distro: 'rke1', k8sVersion: 'v1.28.15-rancher1-1' }).after.replace(/^ {4}generate_serving_certificate: true\n/m, '');
    const addon = 'data:\n  a: "1 # c"\n  b: "2   # c"\n  c: "3 # c"';
    const dir = tempTree({ 'cluster.yml': `${hardened}addons: |-   # manifests\n${addon.replace(/^/gm, '    ')}\n` });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    expect(h.after).toMatch(/generate_serving_certificate: true/);
    expect((parse(h.after) as { addons: string }).addons).toBe(addon);
  });

  it('a user\'s own audit policy is kept: one kube-apiserver-arg names, or one at RKE2\'s path beside the configuration', () => {
    const POLICY = 'apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n  - level: RequestResponse\n';
    const viaArg = tempTree({ 'config.yaml': 'kube-apiserver-arg:\n  - audit-policy-file=/etc/rancher/rke2/audit-policy.yaml\n', 'host/etc/rancher/rke2/audit-policy.yaml': POLICY });
    const a = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(viaArg, 'config.yaml') });
    expect(a.companions.map((c) => c.nodePath)).not.toContain('/etc/rancher/rke2/audit-policy.yaml');
    expect((parse(a.after) as Record<string, unknown>)['audit-policy-file']).toBeUndefined();
    expect(a.notes.join('\n')).toMatch(/kube-apiserver-arg audit-policy-file=\/etc\/rancher\/rke2\/audit-policy\.yaml is yours and kept/);
    expect(a.stillFailing).toEqual([]);

    const atPath = tempTree({ 'config.yaml': 'node-ip: 10.0.0.7\n', 'host/etc/rancher/rke2/audit-policy.yaml': POLICY });
    const b = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(atPath, 'config.yaml') });
    expect(b.companions.map((c) => c.nodePath)).not.toContain('/etc/rancher/rke2/audit-policy.yaml');
    expect(b.notes.join('\n')).toMatch(/\/etc\/rancher\/rke2\/audit-policy\.yaml is yours and kept/);
    writeHardenedConfig(b, atPath);
    expect(fs.readFileSync(path.join(atPath, 'host/etc/rancher/rke2/audit-policy.yaml'), 'utf8')).toBe(POLICY);

    // Our own policy written by an earlier run is ours: written again (idempotent).
    const ours = tempTree({ 'config.yaml': 'node-ip: 10.0.0.7\n' });
    writeHardenedConfig(hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(ours, 'config.yaml') }), ours);
    const again = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(ours, 'config.yaml') });
    expect(again.companions.map((c) => c.nodePath)).toContain('/etc/rancher/rke2/audit-policy.yaml');
  });

  it('is idempotent: hardening the hardened output changes nothing', () => {
    const dir = tempTree({ 'config.yaml': USER_RKE2 });
    const first = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, 'config.yaml') });
    fs.writeFileSync(path.join(dir, 'config.yaml'), first.after);
    const second = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(second.after).toBe(first.after);
    // The files the first run chose paths for are written again, and the paths are not taken for the user's.
    expect(second.companions).toEqual(first.companions);
    expect(second.notes.filter((n) => /is yours/.test(n))).toEqual([]);
    const rke1 = tempTree({ 'cluster.yml': fs.readFileSync('examples/rke1-default/cluster.yml', 'utf8') });
    const r1 = hardenConfig({ distro: 'rke1', k8sVersion: 'v1.28.15-rancher1-1', from: path.join(rke1, 'cluster.yml') });
    fs.writeFileSync(path.join(rke1, 'cluster.yml'), r1.after);
    expect(hardenConfig({ distro: 'rke1', k8sVersion: 'v1.28.15-rancher1-1', from: path.join(rke1, 'cluster.yml') }).after).toBe(r1.after);
  });

  it('RKE1: keeps the kube_api spelling and Rancher wrapper, moves a stray bind-address under extra_args', () => {
    const { h, run } = reaudit('rke1', 'v1.25.6-rancher2-1', path.resolve('test/fixtures/rancher-templates/rke1-rancher-cluster-template-hardened-k8s-1.25-early-v2.7.yml'));
    expect(h.after).toMatch(/^rancher_kubernetes_engine_config:$/m);
    expect(h.after).toMatch(/^ {4}kube_api:$/m);
    expect(h.after).not.toMatch(/^ {4}kube-api:$/m);
    expect(h.notes.join('\n')).toMatch(/scheduler\.bind-address removed/);
    expect(run.results.filter((r) => r.status === 'fail' && r.scored && !RKE1_UNFIXABLE.includes(r.controlId))).toEqual([]);
  });

  it('CLI: prints a unified diff and writes nothing without --out; --out writes atomically', async () => {
    const dir = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nnodes: []\n' });
    const r = await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.28.15-rancher1-1', '--from', path.join(dir, 'cluster.yml')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\+\+\+ b\/cluster\.yml/m);
    expect(r.stdout).toMatch(/^\+ {6}bind-address: 127\.0\.0\.1$/m);
    expect(r.stdout).toMatch(/Nothing written/);
    expect(fs.readdirSync(dir)).toEqual(['cluster.yml']);
    const out = path.join(dir, 'out');
    const w = await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.28.15-rancher1-1', '--from', path.join(dir, 'cluster.yml'), '--out', out]);
    expect(w.code).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['cluster.yml', 'host']);
    expect(fs.readFileSync(path.join(out, 'host/etc/sysctl.d/90-kubelet.conf'), 'utf8')).toMatch(/^vm\.overcommit_memory=1$/m);
    expect(fs.statSync(path.join(out, 'cluster.yml')).mode & 0o777).toBe(0o600);
  });

  it('RKE1: the --from file\'s kubernetes_version is the version hardened for; a different --k8s-version is refused', async () => {
    const dir = tempTree({ 'cluster.yml': fs.readFileSync('examples/rke1-default/cluster.yml', 'utf8') });
    const from = path.join(dir, 'cluster.yml');
    const out = path.join(dir, 'out');
    // The file says v1.28.15: hardening it for 1.24 would add a PodSecurityPolicy that 1.25+ lacks.
    const wrong = await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.24.17-rancher1-1', '--from', from, '--out', out]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toEqual([expect.stringMatching(/cluster\.yml:6:\d+: kubernetes_version v1\.28\.15-rancher1-1 is the version rke up deploys, not --k8s-version v1\.24\.17-rancher1-1/)]);
    expect(fs.existsSync(out)).toBe(false);
    // Without --k8s-version (or with the same Kubernetes version in another form) the file's version is used.
    const implied = hardenConfig({ distro: 'rke1', from });
    expect(implied.benchmark).toBe('rke-cis-1.8-hardened');
    expect(implied.after).not.toMatch(/pod_security_policy: true/);
    expect(hardenConfig({ distro: 'rke1', k8sVersion: 'v1.28.15', from }).after).toBe(implied.after);
    // A version RKE1 never shipped, in the file: refused with its line.
    fs.writeFileSync(from, 'kubernetes_version: v1.45.3-rancher1-1\nnodes: []\n');
    expect(() => hardenConfig({ distro: 'rke1', from })).toThrow(/cluster\.yml:1:\d+: kubernetes_version v1\.45\.3-rancher1-1 is newer than any RKE1 release \(RKE1.s last is v1\.\d+\)/);
  });

  it('RKE1: a version written into cluster.yml must be an RKE release (rke up refuses a bare Kubernetes version)', async () => {
    const bare = await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.28.9']);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/^rke-harden: --k8s-version v1\.28\.9: kubernetes_version must be a release such as v1\.28\.9-rancher1-1 \(`rke config --list-version --all` lists them\); rke up refuses a bare Kubernetes version$/m);
    const none = await runCli(['harden', 'config', '--distro', 'rke1']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--k8s-version is required \(no --from file names one/);
    const rke2 = await runCli(['harden', 'config', '--distro', 'rke2']);
    expect(rke2.code).toBe(2);
    expect(rke2.stderr).toMatch(/--k8s-version is required \(RKE2's config\.yaml does not name its version/);
    expect(hardenConfig({ distro: 'rke1', k8sVersion: 'v1.28.9-rancher1-1' }).after).toMatch(/^kubernetes_version: v1\.28\.9-rancher1-1$/m);
    expect(() => hardenConfig({ distro: 'rke1', k8sVersion: 'v1.45.1-rancher1-1' })).toThrow(/--k8s-version v1\.45\.1-rancher1-1 is newer than any RKE1 release/);
  });

  it('RKE2 drop-ins: a key is edited in the config.yaml.d file where it wins, all files written, idempotent', async () => {
    const src = tempTree({
      'config.yaml': fs.readFileSync('examples/rke2-server/config.yaml', 'utf8'),
      'config.yaml.d/50-audit.yaml': fs.readFileSync('examples/rke2-server/config.yaml.d/50-audit.yaml', 'utf8'),
      'config.yaml.d/60-kubelet.yaml': 'kubelet-arg+:\n  - max-pods=150\n',
    });
    const from = path.join(src, 'config.yaml');
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from });
    const dropIn = (name: string) => h.dropIns.find((d) => d.name === `config.yaml.d/${name}`)!;
    // 50-audit.yaml replaces kube-apiserver-arg: the admission plugins go there, not into config.yaml where they would be lost.
    expect(dropIn('50-audit.yaml').after).toMatch(/^ {2}- enable-admission-plugins=NodeRestriction,EventRateLimit$/m);
    expect(h.after).not.toMatch(/enable-admission-plugins/);
    // An append drop-in (kubelet-arg+) is where the kubelet cipher suites win.
    expect(dropIn('60-kubelet.yaml').after).toMatch(/^kubelet-arg\+:\n {2}- max-pods=150\n {2}- tls-cipher-suites=/);
    expect(h.diff).toMatch(/^\+\+\+ b\/config\.yaml\.d\/50-audit\.yaml/m);
    const out = path.join(src, 'out');
    writeHardenedConfig(h, out);
    expect(fs.readdirSync(path.join(out, 'config.yaml.d')).sort()).toEqual(['50-audit.yaml', '60-kubelet.yaml']);
    const { run } = auditConfig([path.join(out, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    expect(run.results.filter((r) => r.status === 'fail' && r.scored)).toEqual([]);
    expect(run.results.find((r) => r.checkId === 'apiserver-admission-event-rate-limit-enabled')!.status).toBe('pass');
    expect(run.results.find((r) => r.checkId === 'kubelet-tls-cipher-suites-strong')!.status).toBe('pass');
    // The --out directory audits as one configuration: drop-ins read with config.yaml, host/ not taken for configurations.
    const dirRun = auditConfig([out], { k8sVersion: 'v1.31.4+rke2r1' }).run;
    expect(dirRun.targets.map((t) => t.name)).toEqual([path.join(out, 'config.yaml')]);
    expect(dirRun.warnings.filter((w) => /not a cluster configuration/.test(w))).toEqual([]);
    // The hardened files harden to themselves; the source is untouched.
    const again = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(out, 'config.yaml') });
    expect([again.after, ...again.dropIns.map((d) => d.after)]).toEqual([h.after, ...h.dropIns.map((d) => d.after)]);
    expect(fs.readFileSync(path.join(src, 'config.yaml.d/50-audit.yaml'), 'utf8')).toBe(fs.readFileSync('examples/rke2-server/config.yaml.d/50-audit.yaml', 'utf8'));
    // A broken drop-in: one line naming it, exit 2.
    fs.writeFileSync(path.join(src, 'config.yaml.d/70-bad.yaml'), 'kubelet-arg: [\n');
    const bad = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1', '--from', from]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/config\.yaml\.d\/70-bad\.yaml:\d+:\d+: invalid YAML/);
  });

  it('RKE2 drop-ins: a comma list is merged with what RKE2 reads across the files (AlwaysPullImages set in config.yaml survives a key+ drop-in)', () => {
    const src = tempTree({ 'config.yaml': 'kube-apiserver-arg:\n  - enable-admission-plugins=AlwaysPullImages\n', 'config.yaml.d/20-timeout.yaml': 'kube-apiserver-arg+:\n  - request-timeout=60s\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(src, 'config.yaml') });
    expect(h.dropIns[0]!.after).toMatch(/^ {2}- enable-admission-plugins=AlwaysPullImages,NodeRestriction,EventRateLimit$/m);
    const out = path.join(src, 'out');
    writeHardenedConfig(h, out);
    const { run } = auditConfig([path.join(out, 'config.yaml')], { k8sVersion: 'v1.31.4+rke2r1' });
    expect(['apiserver-admission-always-pull-images-enabled', 'apiserver-admission-event-rate-limit-enabled'].map((c) => run.results.find((r) => r.checkId === c)?.status)).toEqual(['pass', 'pass']);
  });

  it('RKE2 drop-ins: a key given twice in a drop-in is refused (an edit by key lands on the first, RKE2 reads the last); audit reads the last', async () => {
    const src = tempTree({ 'config.yaml': 'node-ip: 10.0.0.5\n', 'config.yaml.d/20-api.yaml': 'kube-apiserver-arg: [profiling=true]\nkube-apiserver-arg: [request-timeout=60s]\n' });
    const from = path.join(src, 'config.yaml');
    const r = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1', '--from', from, '--out', path.join(src, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`rke-harden: ${src}/config.yaml.d/20-api.yaml:1:1: kube-apiserver-arg is given again at ${src}/config.yaml.d/20-api.yaml:2:1: harden config edits this document: keep one of them`);
    expect(fs.existsSync(path.join(src, 'out'))).toBe(false);
    const { run } = auditConfig([from], { k8sVersion: 'v1.31.4+rke2r1' });
    expect(run.results.find((x) => x.checkId === 'apiserver-profiling-disabled')?.evidence[0]).toMatchObject({ observed: expect.not.stringMatching(/true/) });
  });

  it('RKE2 drop-ins: an edit of the 50-rancher.yaml Rancher writes is flagged (Rancher would overwrite it)', () => {
    const src = tempTree({ 'config.yaml': 'node-ip: 10.0.0.5\n', 'config.yaml.d/50-rancher.yaml': 'profile: cis-1.23\nkube-apiserver-arg: [audit-log-maxage=30]\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(src, 'config.yaml') });
    expect(h.dropIns[0]!.after).toMatch(/^profile: cis$/m);
    expect(h.notes.join('\n')).toMatch(/config\.yaml\.d\/50-rancher\.yaml is written by Rancher .* make these changes in the Rancher Cluster instead/);
  });

  it('--check: exit 1 with the diff when the configuration is not hardened, 0 once it is; nothing written', async () => {
    const dir = tempTree({ 'cluster.yml': fs.readFileSync('examples/rke1-default/cluster.yml', 'utf8') });
    const file = path.join(dir, 'cluster.yml');
    const before = await runCli(['harden', 'config', '--distro', 'rke1', '--from', file, '--check']);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/^\+\+\+ b\/cluster\.yml/m);
    expect(before.stdout).toMatch(/Check: the configuration is not hardened/);
    expect(fs.readdirSync(dir)).toEqual(['cluster.yml']);
    fs.writeFileSync(file, hardenConfig({ distro: 'rke1', from: file }).after);
    const after = await runCli(['harden', 'config', '--distro', 'rke1', '--from', file, '--check']);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toMatch(/Check: the configuration is hardened: nothing to change\./);
    expect(after.stdout).toMatch(/^No change to cluster\.yml\.$/m);
    expect(after.stdout).not.toMatch(/^(\+\+\+|---|===)/m);
    expect((await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.28.15-rancher1-1', '--check'])).code).toBe(2);
    expect((await runCli(['harden', 'config', '--distro', 'rke1', '--from', file, '--check', '--out', path.join(dir, 'o')])).code).toBe(2);
  });

  it('bad --from: one line, exit 2, nothing written', async () => {
    const dir = tempTree({ 'cluster.yml': 'services: [\n' });
    const r = await runCli(['harden', 'config', '--distro', 'rke1', '--k8s-version', 'v1.28.15-rancher1-1', '--from', path.join(dir, 'cluster.yml'), '--out', path.join(dir, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });
});

describe('harden config: RKE2 settings that would stop the hardened server from starting', () => {
  it('protect-kernel-defaults: false on v1.25+ becomes true (RKE2 refuses false with profile cis); the output re-audits without that warning', () => {
    const dir = tempTree({ 'config.yaml': 'node-ip: 10.0.0.31\nprotect-kernel-defaults: false\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.30.6+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(parse(h.after)).toMatchObject({ profile: 'cis', 'protect-kernel-defaults': true });
    expect(h.notes.join('\n')).toMatch(/protect-kernel-defaults: false → true/);
    fs.writeFileSync(path.join(dir, 'out.yaml'), h.after);
    const { run } = auditConfig([path.join(dir, 'out.yaml')], { distro: 'rke2', k8sVersion: 'v1.30.6+rke2r1' });
    expect(run.warnings.join('\n')).not.toMatch(/refuses to start/);
    // Not set: left to the profile (no key written).
    const unset = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.30.6+rke2r1', from: path.join(tempTree({ 'config.yaml': 'node-ip: 10.0.0.31\n' }), 'config.yaml') });
    expect(parse(unset.after)['protect-kernel-defaults']).toBeUndefined();
  });

  it('a kube-apiserver admission-control-config-file of the user: no PSA file or EventRateLimit of ours that it would make unused, a note instead', () => {
    const dir = tempTree({ 'config.yaml': 'profile: cis\nkube-apiserver-arg:\n  - "admission-control-config-file=/etc/rancher/rke2/my-admission.yaml"\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(h.after).not.toContain('pod-security-admission-config-file');
    expect(h.after).not.toContain('EventRateLimit');
    expect(h.notes.join('\n')).toMatch(/admission-control-config-file=\/etc\/rancher\/rke2\/my-admission\.yaml is yours and replaces RKE2's admission configuration/);
  });
});

describe('harden config --exemptions: lists merged, as audit cluster and harden cluster take them', () => {
  const exempted = (o: { exemptions?: string[]; exemptNamespaces?: string[] }) => {
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.31.4+rke2r1', ...o });
    const admission = parse(h.companions.find((c) => c.text.includes('kind: AdmissionConfiguration'))!.text) as { plugins: { name: string; configuration: { exemptions?: { namespaces: string[] } } }[] };
    return admission.plugins.find((p) => p.name === 'PodSecurity')!.configuration.exemptions!.namespaces;
  };

  it('merges several lists (and comma-separated names) with --exempt-namespace', () => {
    const rke2 = exempted({});
    const rancher = exempted({ exemptions: ['rancher-restricted'] });
    expect(rke2).toContain('kube-system');
    expect(rancher).toContain('cattle-system');
    expect(rke2).not.toContain('cattle-system');
    const both = exempted({ exemptions: ['rke2,rancher-restricted'], exemptNamespaces: ['team-a'] });
    expect(both).toEqual([...new Set([...rke2, ...rancher, 'team-a'])].sort());
    expect(exempted({ exemptions: ['rke2', 'rancher-restricted'], exemptNamespaces: ['team-a'] })).toEqual(both);
    expect(exempted({ exemptions: ['none'], exemptNamespaces: ['team-a'] })).toEqual(['team-a']);
  });

  it('refuses an unknown list name on the command line (exit 2, nothing written)', async () => {
    const out = tempTree({});
    const r = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1', '--exemptions', 'rke2', 'rancher', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--exemptions rancher: unknown list/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('harden config: a weak value the user set is repaired, where it wins (the result is audited)', () => {
  it('RKE2: *-arg items that fail get the value their check asks for, comments kept; --check sees the change', async () => {
    const dir = tempTree({
      'config.yaml': 'profile: cis\nkube-apiserver-arg:\n  - anonymous-auth=true # mine\n',
      'config.yaml.d/50-kubelet.yaml': 'kubelet-arg:\n  - read-only-port=10255\n',
    });
    const from = path.join(dir, 'config.yaml');
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.28.15+rke2r1', from });
    expect(h.after).toMatch(/^ {2}- anonymous-auth=false # mine$/m);
    // The drop-in wins for kubelet-arg: the repair is made there, not in config.yaml.
    expect(h.dropIns[0]!.after).toMatch(/^ {2}- read-only-port=0$/m);
    expect(h.after).not.toMatch(/read-only-port/);
    expect(h.notes).toEqual(expect.arrayContaining([
      expect.stringMatching(/^kube-apiserver-arg anonymous-auth → false: the value set before failed CIS 1\.2\.1 /),
      expect.stringMatching(/^kubelet-arg read-only-port → 0: the value set before failed CIS 4\.2\.4 /),
    ]));
    const out = tempTree({});
    writeHardenedConfig(h, out);
    const { run } = auditConfig([path.join(out, 'config.yaml')], { k8sVersion: 'v1.28.15+rke2r1' });
    expect(run.results.filter((r) => r.status === 'fail' && r.scored).map((r) => r.controlId)).toEqual([]);
    expect((await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.28.15+rke2r1', '--from', from, '--check'])).code).toBe(1);
  });

  it('RKE1: extra_args values that fail are set to the value their check asks for', () => {
    const dir = tempTree({ 'cluster.yml': 'rancher_kubernetes_engine_config:\n  kubernetes_version: v1.28.15-rancher1-1\n  services:\n    kube_api:\n      extra_args:\n        anonymous-auth: "true"\n        profiling: "true"\n    kubelet:\n      extra_args:\n        read-only-port: "10255"\n' });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    const hardened = (parse(h.after) as { rancher_kubernetes_engine_config: { services: { kube_api: { extra_args: Record<string, string> }; kubelet: { extra_args: Record<string, string> } } } }).rancher_kubernetes_engine_config;
    expect(hardened.services.kube_api.extra_args).toMatchObject({ 'anonymous-auth': 'false', profiling: 'false' });
    expect(hardened.services.kubelet.extra_args).toMatchObject({ 'read-only-port': '0' });
    expect(h.after).not.toMatch(/^ {4}kube-api:/m); // the user's spelling is kept (Rancher reads both)
    expect(h.notes).toContainEqual(expect.stringMatching(/^rancher_kubernetes_engine_config\.services\.kube_api\.extra_args profiling → false: the value set before failed CIS 1\.2\.\d+ /));
    const out = tempTree({});
    writeHardenedConfig(h, out);
    const { run } = auditConfig([path.join(out, 'cluster.yml')], {});
    expect(run.results.filter((r) => r.status === 'fail' && r.scored && !RKE1_UNFIXABLE.includes(r.controlId)).map((r) => r.controlId)).toEqual([]);
  });
});

describe('harden config: a weak comma list the user set keeps the user\'s other entries', () => {
  const V = 'v1.30.4+rke2r1';
  const scoredFails = (dir: string, file: string, opts: { k8sVersion?: string }) => auditConfig([path.join(dir, file)], opts).run.results
    .filter((r) => r.status === 'fail' && r.scored && !RKE1_UNFIXABLE.includes(r.controlId)).map((r) => r.controlId);

  it('list rules: forbidden elements removed in place, missing ones added at the end, order kept', () => {
    const rules = [
      { component: 'kube-apiserver', flag: 'authorization-mode', op: 'notHas' as const, values: ['AlwaysAllow'] },
      { component: 'kube-apiserver', flag: 'authorization-mode', op: 'has' as const, values: ['Node'] },
      { component: 'kube-apiserver', flag: 'authorization-mode', op: 'has' as const, values: ['RBAC'] },
    ];
    expect(applyListRules(rules, ['RBAC', 'AlwaysAllow', 'Webhook'])).toEqual(['RBAC', 'Webhook', 'Node']);
    expect(applyListRules([{ component: 'kubelet', flag: 'tls-cipher-suites', op: 'validElements', values: ['A', 'B'] }], ['X', 'B', 'Y'])).toEqual(['B']);
  });

  it('RKE2: items edited where they are (drop-in key+ included), comments kept, one note per flag; the result passes and is stable', async () => {
    const dir = tempTree({
      'config.yaml': [
        'kube-apiserver-arg:',
        '  - authorization-mode=AlwaysAllow,RBAC,Node # ours',
        '  - enable-admission-plugins=AlwaysAdmit,NodeRestriction',
        '  - tls-cipher-suites=TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256',
        '',
      ].join('\n'),
      'config.yaml.d/20-extra.yaml': 'kube-apiserver-arg+:\n  - disable-admission-plugins=ServiceAccount\n  - profiling=false\n',
    });
    const from = path.join(dir, 'config.yaml');
    const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from });
    expect(h.after).toMatch(/^ {2}- authorization-mode=RBAC,Node # ours$/m);
    expect(h.after).toMatch(/^ {2}- enable-admission-plugins=NodeRestriction$/m);
    expect(h.after).toMatch(/^ {2}- tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256$/m);
    // The drop-in's key+ list is where RKE2 reads kube-apiserver-arg last: the hardening adds there, and
    // the repair removes AlwaysAdmit there too. An item left with nothing is removed; the others stay.
    expect(h.dropIns[0]!.after).toMatch(/^kube-apiserver-arg\+:\n {2}- profiling=false\n {2}- enable-admission-plugins=NodeRestriction,EventRateLimit\n/);
    expect(h.dropIns[0]!.after).not.toMatch(/AlwaysAdmit|ServiceAccount/);
    expect(h.notes).toEqual(expect.arrayContaining([
      expect.stringMatching(/^kube-apiserver-arg authorization-mode: AlwaysAllow,RBAC,Node → RBAC,Node: the value set before failed CIS 1\.2\.6 /),
      expect.stringMatching(/^kube-apiserver-arg tls-cipher-suites: TLS_RSA_WITH_3DES_EDE_CBC_SHA,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 → TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: /),
      expect.stringMatching(/^kube-apiserver-arg\+ disable-admission-plugins: ServiceAccount → \(removed: RKE2's default applies\): /),
    ]));
    expect(h.stillFailing).toEqual([]);
    const out = tempTree({});
    writeHardenedConfig(h, out);
    expect(scoredFails(out, 'config.yaml', { k8sVersion: V })).toEqual([]);
    const again = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', V, '--from', path.join(out, 'config.yaml'), '--check']);
    expect(again.stdout).toMatch(/Check: the configuration is hardened/);
    expect(again.code).toBe(0);
  });

  it('RKE2: rules on one flag are applied together (AlwaysAllow alone becomes Node,RBAC, one note naming the three controls)', () => {
    const dir = tempTree({ 'config.yaml': 'kube-apiserver-arg:\n  - authorization-mode=AlwaysAllow\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
    expect(h.after).toMatch(/^ {2}- authorization-mode=Node,RBAC$/m);
    expect(h.after).not.toMatch(/AlwaysAllow/);
    const notes = h.notes.filter((n) => n.includes('authorization-mode'));
    expect(notes).toEqual([expect.stringMatching(/AlwaysAllow → Node,RBAC: the value set before failed CIS 1\.2\.6 .*, CIS 1\.2\.7 .*, CIS 1\.2\.8 /)]);
  });

  it('RKE1: extra_args lists edited, and a flag set in extra_args is repaired there, not in the setting it overrides', () => {
    const dir = tempTree({ 'cluster.yml': [
      'kubernetes_version: v1.28.15-rancher1-1', 'nodes: []', 'services:', '  kube-api:', '    audit_log:', '      enabled: true',
      '      configuration:', '        max_backup: 2', '    extra_args:', '      authorization-mode: AlwaysAllow,Node,RBAC',
      '      enable-admission-plugins: AlwaysAdmit,NodeRestriction', '      audit-log-maxage: "5"', '',
    ].join('\n') });
    const h = hardenConfig({ distro: 'rke1', from: path.join(dir, 'cluster.yml') });
    const api = (parse(h.after) as { services: { 'kube-api': { extra_args: Record<string, string>; audit_log: { configuration: Record<string, unknown> } } } }).services['kube-api'];
    expect(api.extra_args).toMatchObject({ 'authorization-mode': 'Node,RBAC', 'audit-log-maxage': '30' });
    expect(api.extra_args['enable-admission-plugins']).toBe('NodeRestriction,EventRateLimit');
    // RKE's typed setting keeps its type: max_backup is an integer in cluster.yml.
    expect(api.audit_log.configuration.max_backup).toBe(10);
    const out = tempTree({});
    writeHardenedConfig(h, out);
    expect(scoredFails(out, 'cluster.yml', {})).toEqual([]);
  });

  it('flag+= and flag-= items are the flag\'s too: AlwaysAllow joined to RKE2\'s default is removed, and a later plain item adds, not replaces', () => {
    const audit = (text: string) => {
      const dir = tempTree({ 'config.yaml': text });
      return auditConfig([path.join(dir, 'config.yaml')], { k8sVersion: V }).run.results.find((r) => r.controlId === '1.2.6')!.status;
    };
    // k3s GetArgs: the first item replaces (or with +/- joins) the default; every later one is another --authorization-mode.
    expect(audit('kube-apiserver-arg:\n  - authorization-mode+=AlwaysAllow\n  - authorization-mode=Node,RBAC\n')).toBe('fail');
    for (const item of ['authorization-mode+=AlwaysAllow', 'authorization-mode-=AlwaysAllow']) {
      const dir = tempTree({ 'config.yaml': `kube-apiserver-arg:\n  - ${item}\n` });
      const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
      expect(h.after).not.toMatch(/AlwaysAllow/);
      expect(h.stillFailing).toEqual([]);
    }
  });

  it('RKE2 before 1.24: only the last item of a flag is read, so that one is repaired', () => {
    const dir = tempTree({ 'config.yaml': 'kube-apiserver-arg:\n  - authorization-mode=Node,RBAC\n  - authorization-mode=AlwaysAllow,Node # last wins\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: 'v1.23.17+rke2r1', from: path.join(dir, 'config.yaml') });
    expect(h.after).toMatch(/^ {2}- authorization-mode=Node,RBAC\n {2}- authorization-mode=Node,RBAC # last wins$/m);
    expect(h.stillFailing).toEqual([]);
  });

  it('the kubelet\'s authorization-mode is one value (the last wins), repaired like any other; RKE1 authorization.mode none becomes rbac', () => {
    const kubelet = (items: string) => {
      const dir = tempTree({ 'config.yaml': `kubelet-arg:\n${items}` });
      return { dir, status: auditConfig([path.join(dir, 'config.yaml')], { k8sVersion: V }).run.results.find((r) => r.checkId === 'kubelet-authorization-mode-not-always-allow')!.status };
    };
    expect(kubelet('  - authorization-mode=Webhook\n  - authorization-mode=AlwaysAllow\n').status).toBe('fail');
    expect(kubelet('  - authorization-mode=AlwaysAllow\n  - authorization-mode=Webhook\n').status).toBe('pass');
    const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(kubelet('  - authorization-mode=AlwaysAllow\n').dir, 'config.yaml') });
    expect(h.after).toMatch(/^ {2}- authorization-mode=Webhook$/m);
    expect(h.stillFailing).toEqual([]);
    const rke1 = tempTree({ 'cluster.yml': 'kubernetes_version: v1.28.15-rancher1-1\nnodes: []\nauthorization:\n  mode: none\n' });
    const h1 = hardenConfig({ distro: 'rke1', from: path.join(rke1, 'cluster.yml') });
    expect(h1.after).toMatch(/^authorization:\n {2}mode: rbac$/m);
    expect(h1.after).not.toMatch(/authorization-mode/);
    expect(h1.stillFailing).toEqual([]);
  });

  it('the kubelet\'s cipher suites: the user\'s allowed ones are kept (not replaced by ours), weak ones dropped', () => {
    const mine = 'TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_RSA_WITH_RC4_128_SHA,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384';
    const rke2 = tempTree({ 'config.yaml': `kubelet-arg:\n  - tls-cipher-suites=${mine} # FIPS clients\n` });
    const h2 = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(rke2, 'config.yaml') });
    expect(h2.after).toMatch(/^ {2}- tls-cipher-suites=TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 # FIPS clients$/m);
    const rke1 = tempTree({ 'cluster.yml': `kubernetes_version: v1.28.15-rancher1-1\nnodes: []\nservices:\n  kubelet:\n    extra_args:\n      tls-cipher-suites: ${mine}\n` });
    const h1 = hardenConfig({ distro: 'rke1', from: path.join(rke1, 'cluster.yml') });
    expect((parse(h1.after) as { services: { kubelet: { extra_args: Record<string, string> } } }).services.kubelet.extra_args['tls-cipher-suites'])
      .toBe('TLS_RSA_WITH_AES_256_GCM_SHA384,TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384');
    // With none of the user's allowed, the hardened list.
    const weak = tempTree({ 'config.yaml': 'kubelet-arg:\n  - tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA\n' });
    expect(hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(weak, 'config.yaml') }).after).toMatch(/^ {2}- tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,/m);
  });

  it('a fail no edit can fix is named with its evidence, and --check exits 1 even with nothing to change', async () => {
    const dir = tempTree({ 'config.yaml': 'etcd-arg:\n  - auto-tls=true\n' });
    const h = hardenConfig({ distro: 'rke2', k8sVersion: V, from: path.join(dir, 'config.yaml') });
    expect(h.stillFailing).toEqual([expect.stringMatching(/^CIS 2\.\d+ \(Ensure that the --auto-tls argument is not set to true\): etcd\.args\.auto-tls is true at config\.yaml:2:5$/)]);
    const out = tempTree({});
    writeHardenedConfig(h, out);
    const r = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', V, '--from', path.join(out, 'config.yaml'), '--check']);
    expect(r.stdout).toMatch(/^No change to config\.yaml\.$/m);
    expect(r.stdout).toMatch(/Note: still fails CIS 2\.\d+ .*auto-tls/);
    expect(r.stdout).toMatch(/Check: the configuration is not hardened: 1 scored control\(s\) still fail/);
    expect(r.code).toBe(1);
  });
});

describe('harden config refuses what audit config refuses: nothing written, the user\'s file never replaced', () => {
  const cases: [string, string, string, RegExp][] = [
    ['a list instead of settings', 'config.yaml', '- a\n- b\n', /config\.yaml:1:1: an RKE2 config file must be a map of settings/],
    ['an *-arg map instead of a list', 'config.yaml', 'kube-apiserver-arg:\n  anonymous-auth: false\n', /config\.yaml:2:3: kube-apiserver-arg: must be a single value/],
  ];
  for (const [name, file, content, message] of cases) {
    it(name, async () => {
      const dir = tempTree({ [file]: content });
      const out = path.join(dir, 'out');
      const audit = await runCli(['audit', 'config', path.join(dir, file), '--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1']);
      const harden = await runCli(['harden', 'config', '--distro', 'rke2', '--k8s-version', 'v1.31.4+rke2r1', '--from', path.join(dir, file), '--out', out]);
      expect([audit.code, harden.code]).toEqual([2, 2]);
      expect(harden.stderr.trim()).toMatch(message);
      expect(harden.stderr).toBe(audit.stderr);
      expect(fs.existsSync(out)).toBe(false);
    });
  }
});
