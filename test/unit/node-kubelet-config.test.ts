import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Provenance } from '../../src/engine/effective/arg-map.js';
import { parseFlags } from '../../src/collectors/node/argv.js';
import { etcdConfigArgs } from '../../src/collectors/node/etcd-config.js';
import { kubeletArgs } from '../../src/collectors/node/kubelet-config.js';
import { LocalHostFs } from '../../src/collectors/node/local-host-fs.js';
import { tempTree } from '../support/temp-files.js';

const argv: Provenance = { source: 'process', layer: 'command line of pid 7', location: { file: '/proc/7/cmdline' } };
const run = (files: Record<string, string>, args: string[]) => kubeletArgs(new LocalHostFs(tempTree(files)), parseFlags(args).flags, argv);

const CONFIG = [
  'apiVersion: kubelet.config.k8s.io/v1beta1',
  'kind: KubeletConfiguration',
  'authentication:',
  '  x509:',
  '    clientCAFile: /etc/kubernetes/pki/ca.crt',
  'authorization:',
  '  mode: AlwaysAllow',
  'eventRecordQPS: 0',
  'featureGates:',
  '  RotateKubeletServerCertificate: true',
  '  SeccompDefault: true',
  'tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384]',
  'serverTLSBootstrap: true',
  'podPidsLimit: 1024',
  '',
].join('\n');

describe('kubelet: --config file, --config-dir drop-ins, command line', () => {
  it('translates KubeletConfiguration fields to flag names, with file and line', () => {
    const k = run({ 'etc/kubelet/config.yaml': CONFIG }, ['--config=/etc/kubelet/config.yaml']);
    expect(k.error).toBeUndefined();
    expect(k.args.get('client-ca-file')).toBe('/etc/kubernetes/pki/ca.crt');
    expect(k.args.get('authorization-mode')).toBe('AlwaysAllow');
    expect(k.args.get('event-qps')).toBe('0');
    expect(k.args.get('feature-gates')).toBe('RotateKubeletServerCertificate=true,SeccompDefault=true');
    expect(k.args.get('tls-cipher-suites')).toBe('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
    expect(k.args.get('rotate-server-certificates')).toBe('true');
    expect(k.args.get('pod-max-pids')).toBe('1024');
    const facts = Object.fromEntries(k.args.toFacts('kubelet').map((f) => [f.key, f]));
    expect(facts['kubelet.args.pod-max-pids']).toMatchObject({ source: 'file', location: { file: '/etc/kubelet/config.yaml', line: 14 } });
    expect(k.files).toEqual(['/etc/kubelet/config.yaml']);
  });

  it('a --config file brings the KubeletConfiguration defaults (anonymous off, Webhook, read-only port 0)', () => {
    const k = run({ 'c.yaml': 'kind: KubeletConfiguration\n' }, ['--config', '/c.yaml']);
    expect(k.args.get('anonymous-auth')).toBe('false');
    expect(k.args.get('authentication-token-webhook')).toBe('true');
    expect(k.args.get('authorization-mode')).toBe('Webhook');
    expect(k.args.get('read-only-port')).toBe('0');
    expect(k.args.toFacts('kubelet').find((f) => f.key === 'kubelet.args.read-only-port')?.source).toBe('default');
  });

  it('drop-ins alone keep the command-line defaults (no v1beta1 defaulting)', () => {
    const k = run({ 'd/10-a.conf': 'kind: KubeletConfiguration\nprotectKernelDefaults: true\n' }, ['--config-dir=/d']);
    expect(k.args.get('anonymous-auth')).toBeUndefined();
    expect(k.args.get('protect-kernel-defaults')).toBe('true');
  });

  it('reads drop-ins (*.conf only) in kubelet\'s walk order after the config file, subdirectories too; maps merge, scalars replace', () => {
    const k = run({
      'c.yaml': CONFIG,
      'd/20-b.conf': 'readOnlyPort: 10255\nfeatureGates:\n  SeccompDefault: false\n',
      'd/10-a.conf': 'readOnlyPort: 0\nstreamingConnectionIdleTimeout: 5m\n',
      'd/30-c.conf.disabled': 'readOnlyPort: 1\n',
      // filepath.WalkDir: a subdirectory's files where its name sorts (15-ops after 10-a.conf).
      'd/15-ops/50-operator.conf': 'readOnlyPort: 2\nprotectKernelDefaults: true\n',
    }, ['--config=/c.yaml', '--config-dir=/d']);
    expect(k.files).toEqual(['/c.yaml', '/d/10-a.conf', '/d/15-ops/50-operator.conf', '/d/20-b.conf']);
    // A symbolic link to a directory is not walked into (WalkDir does not follow links).
    const root = tempTree({ 'd/10-a.conf': 'readOnlyPort: 0\n', 'elsewhere/50-x.conf': 'readOnlyPort: 10255\n' });
    fs.symlinkSync('/elsewhere', path.join(root, 'd/20-link')); // a host path: resolved inside the root
    expect(kubeletArgs(new LocalHostFs(root), parseFlags(['--config-dir=/d']).flags, argv).args.get('read-only-port')).toBe('0');
    expect(k.args.get('read-only-port')).toBe('10255');
    expect(k.args.get('protect-kernel-defaults')).toBe('true');
    expect(k.args.get('streaming-connection-idle-timeout')).toBe('5m');
    expect(k.args.get('feature-gates')).toBe('RotateKubeletServerCertificate=true,SeccompDefault=false');
    expect(k.args.get('client-ca-file')).toBe('/etc/kubernetes/pki/ca.crt'); // untouched by the drop-ins
  });

  it('the command line wins over the files; feature gates merge gate by gate', () => {
    const k = run({ 'c.yaml': CONFIG }, ['--config=/c.yaml', '--authorization-mode=Webhook', '--feature-gates=SeccompDefault=false', '--tls-cipher-suites=TLS_AES_128_GCM_SHA256']);
    expect(k.args.get('authorization-mode')).toBe('Webhook');
    expect(k.args.get('feature-gates')).toBe('RotateKubeletServerCertificate=true,SeccompDefault=false');
    expect(k.args.get('tls-cipher-suites')).toBe('TLS_AES_128_GCM_SHA256');
    const facts = Object.fromEntries(k.args.toFacts('kubelet').map((f) => [f.key, f]));
    expect(facts['kubelet.args.authorization-mode']).toMatchObject({ source: 'process', location: { file: '/proc/7/cmdline' } });
  });

  it('an unreadable or broken configuration makes kubelet settings unknown (an error, never defaults)', () => {
    expect(run({}, ['--config=/missing.yaml']).error).toMatch(/\/missing\.yaml does not exist on the host/);
    expect(run({ 'c.yaml': 'a: [unclosed\n' }, ['--config=/c.yaml']).error).toMatch(/\/c\.yaml:\d+:\d+: invalid YAML/);
    expect(run({}, ['--config-dir=/nowhere']).error).toMatch(/--config-dir \/nowhere does not exist/);
    expect(run({ 'd/1.conf': '- a list\n' }, ['--config-dir=/d']).error).toMatch(/not a KubeletConfiguration/);
  });

  it('reads YAML 1.1 as kubelet does (sigs.k8s.io/yaml): `seccompDefault: on` is true', () => {
    const k = run({ 'd/10-a.conf': 'seccompDefault: on\nprotectKernelDefaults: yes\nmakeIPTablesUtilChains: off\n' }, ['--config-dir=/d']);
    expect([k.args.get('seccomp-default'), k.args.get('protect-kernel-defaults'), k.args.get('make-iptables-util-chains')]).toEqual(['true', 'true', 'false']);
  });

  it('repeated map flags keep the last value per key: Gate=false then Gate=true is true', () => {
    const k = run({}, ['--feature-gates=RotateKubeletServerCertificate=false', '--feature-gates=RotateKubeletServerCertificate=true,SeccompDefault=true', '--node-labels=a=1,b=2', '--node-labels=a=3']);
    expect(k.args.get('feature-gates')).toBe('RotateKubeletServerCertificate=true,SeccompDefault=true');
    expect(k.args.get('node-labels')).toBe('b=2,a=3');
  });

  it('with neither flag: plain command-line flags, repeated ones accumulating where kubelet accumulates', () => {
    const k = run({}, ['--read-only-port=10255', '--read-only-port=0', '--node-labels=a=1', '--node-labels=b=2']);
    expect(k.args.get('read-only-port')).toBe('0');
    expect(k.args.get('node-labels')).toBe('a=1,b=2');
    expect(k.files).toEqual([]);
  });
});

describe('etcd config file (RKE2)', () => {
  const fs = (text: string) => new LocalHostFs(tempTree({ 'var/lib/rancher/rke2/server/db/etcd/config': text }));
  const FILE = '/var/lib/rancher/rke2/server/db/etcd/config';

  it('maps the TLS sections to flag names and keeps top-level keys', () => {
    const e = etcdConfigArgs(fs([
      'name: n1',
      'listen-client-urls: [https://127.0.0.1:2379, https://10.0.0.1:2379]',
      'client-transport-security: {cert-file: /s.crt, key-file: /s.key, client-cert-auth: true, trusted-ca-file: /ca.crt, auto-tls: false}',
      'peer-transport-security: {cert-file: /p.crt, key-file: /p.key, client-cert-auth: false, trusted-ca-file: /pca.crt}',
      '',
    ].join('\n')), FILE);
    expect(e.error).toBeUndefined();
    const a = (f: string) => e.args.get(f);
    expect([a('cert-file'), a('key-file'), a('client-cert-auth'), a('trusted-ca-file'), a('auto-tls')]).toEqual(['/s.crt', '/s.key', 'true', '/ca.crt', 'false']);
    expect([a('peer-cert-file'), a('peer-key-file'), a('peer-client-cert-auth'), a('peer-trusted-ca-file'), a('peer-auto-tls')]).toEqual(['/p.crt', '/p.key', 'false', '/pca.crt', undefined]);
    expect(a('listen-client-urls')).toBe('https://127.0.0.1:2379,https://10.0.0.1:2379');
    expect(a('name')).toBe('n1');
  });

  it('a top-level TLS key (an RKE2 etcd-arg) is not what etcd reads: warned, not used', () => {
    const e = etcdConfigArgs(fs('client-cert-auth: false\nclient-transport-security: {client-cert-auth: true}\n'), FILE);
    expect(e.args.get('client-cert-auth')).toBe('true');
    expect(e.warnings.join()).toMatch(/top-level client-cert-auth is not read by etcd/);
  });

  it('reads YAML 1.1 as etcd does (sigs.k8s.io/yaml): yes/on are true, no/off false', () => {
    const e = etcdConfigArgs(fs('client-transport-security: {client-cert-auth: yes, auto-tls: off}\npeer-transport-security: {client-cert-auth: on}\n'), FILE);
    expect([e.args.get('client-cert-auth'), e.args.get('auto-tls'), e.args.get('peer-client-cert-auth')]).toEqual(['true', 'false', 'true']);
  });

  it('only the first document counts, as etcd reads it (a trailing --- is no error)', () => {
    const e = etcdConfigArgs(fs('client-transport-security: {client-cert-auth: true}\n---\n'), FILE);
    expect(e.error).toBeUndefined();
    expect(e.args.get('client-cert-auth')).toBe('true');
    expect(etcdConfigArgs(fs('---\nname: n1\n---\nname: n2\n'), FILE).args.get('name')).toBe('n1');
  });

  it('a missing or broken file is an error', () => {
    expect(etcdConfigArgs(new LocalHostFs(tempTree({})), FILE).error).toMatch(/does not exist on the host/);
    expect(etcdConfigArgs(fs('{{{'), FILE).error).toMatch(/invalid YAML/);
  });
});
