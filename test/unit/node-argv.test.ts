import { describe, expect, it } from 'vitest';
import { componentFlags, identifyComponent, parseFlags } from '../../src/collectors/node/argv.js';
import { isSecretFlag, shownItem, valueLooksSecret } from '../../src/engine/effective/arg-map.js';
import { splitCmdline, uidFromStatus } from '../../src/collectors/node/proc-table.js';

describe('/proc/<pid>/cmdline', () => {
  it('splits NUL-separated argv and drops the trailing NUL', () => {
    expect(splitCmdline(Buffer.from('kube-apiserver\u0000--profiling=false\u0000--secure-port\u00006443\u0000'))).toEqual(['kube-apiserver', '--profiling=false', '--secure-port', '6443']);
    expect(splitCmdline('')).toEqual([]); // kernel thread
    expect(splitCmdline('nginx: master process nginx -g daemon off;')).toEqual(['nginx: master process nginx -g daemon off;']);
    // An empty argument in the middle stays (e.g. `--cloud-provider ''`).
    expect(splitCmdline('kubelet\u0000--cloud-provider\u0000\u0000--v=2\u0000')).toEqual(['kubelet', '--cloud-provider', '', '--v=2']);
  });

  it('reads the real uid from /proc/<pid>/status', () => {
    expect(uidFromStatus('Name:\tetcd\nUid:\t52034\t52034\t52034\t52034\nGid:\t52034\n')).toBe(52034);
    expect(uidFromStatus('Name:\tx\n')).toBeUndefined();
  });
});

describe('identifyComponent', () => {
  it('knows a component by the base name of argv[0], with or without a path', () => {
    expect(identifyComponent(['kube-apiserver', '--x=1'])).toEqual({ component: 'kube-apiserver', args: ['--x=1'] });
    expect(identifyComponent(['/var/lib/rancher/rke2/data/v1.31.4-rke2r1-abc/bin/kubelet', '--v=2'])?.component).toBe('kubelet');
    expect(identifyComponent(['/usr/local/bin/etcd'])?.component).toBe('etcd');
  });

  it('understands hyperkube sub-commands (old RKE1 images)', () => {
    expect(identifyComponent(['/hyperkube', 'apiserver', '--secure-port=6443'])).toEqual({ component: 'kube-apiserver', args: ['--secure-port=6443'] });
    expect(identifyComponent(['hyperkube', 'proxy'])?.component).toBe('kube-proxy');
    expect(identifyComponent(['hyperkube', 'kubectl'])).toBeUndefined();
  });

  it('is not fooled by processes that merely mention a component', () => {
    expect(identifyComponent(['grep', 'kube-apiserver'])).toBeUndefined();
    expect(identifyComponent(['/bin/bash', '/opt/rke-tools/entrypoint.sh', 'kubelet', '--v=2'])).toBeUndefined();
    expect(identifyComponent(['etcdctl', 'endpoint', 'health'])).toBeUndefined();
    expect(identifyComponent(['/usr/local/bin/rke2', 'server'])).toBeUndefined();
    expect(identifyComponent([])).toBeUndefined();
  });
});

describe('parseFlags: every flag form, as pflag and Go flag read them', () => {
  const flags = (args: string[]) => parseFlags(args).flags.map((f) => `${f.flag}=${f.value}`);

  it('--f=v, -f=v, --f v, -f v', () => {
    expect(flags(['--secure-port=6443', '-v=2', '--bind-address', '127.0.0.1', '-data-dir', '/var/lib/etcd'])).toEqual([
      'secure-port=6443', 'v=2', 'bind-address=127.0.0.1', 'data-dir=/var/lib/etcd',
    ]);
  });

  it('a bare flag is "true"; a boolean flag never swallows the next word', () => {
    expect(flags(['--protect-kernel-defaults', '--read-only-port=0'])).toEqual(['protect-kernel-defaults=true', 'read-only-port=0']);
    expect(flags(['--client-cert-auth'])).toEqual(['client-cert-auth=true']);
    // `--profiling false` is profiling=true and a stray word (kube-apiserver would refuse to start).
    expect(parseFlags(['--profiling', 'false'])).toEqual({ flags: [{ flag: 'profiling', value: 'true' }], positional: ['false'] });
  });

  it('keeps repeated flags in order, empty values, and values with = or commas', () => {
    expect(flags(['--enable-admission-plugins=NodeRestriction', '--enable-admission-plugins=PodSecurity,EventRateLimit', '--cloud-provider=', '--runtime-config=api/all=true', '--feature-gates', 'A=true,B=false'])).toEqual([
      'enable-admission-plugins=NodeRestriction', 'enable-admission-plugins=PodSecurity,EventRateLimit', 'cloud-provider=', 'runtime-config=api/all=true', 'feature-gates=A=true,B=false',
    ]);
  });

  it('stops at --', () => {
    expect(parseFlags(['--a=1', '--', '--b=2'])).toEqual({ flags: [{ flag: 'a', value: '1' }], positional: ['--b=2'] });
  });
});

describe('componentFlags: names and boolean values as the component reads them', () => {
  const flags = (component: Parameters<typeof componentFlags>[0], args: string[]) => componentFlags(component, args).map((f) => `${f.flag}=${f.value}`);

  it('Kubernetes components normalise _ to - in flag names (component-base); etcd does not', () => {
    expect(flags('kubelet', ['--anonymous_auth=false', '--read_only_port=0'])).toEqual(['anonymous-auth=false', 'read-only-port=0']);
    expect(flags('etcd', ['--client_cert_auth=true'])).toEqual(['client_cert_auth=true']);
  });

  it('boolean flags take what strconv.ParseBool takes; other flags keep 0 and 1 as numbers', () => {
    expect(flags('kube-apiserver', ['--profiling=0', '--anonymous-auth=F', '--allow-privileged=T', '--service-account-lookup=1', '--secure-port=0'])).toEqual([
      'profiling=false', 'anonymous-auth=false', 'allow-privileged=true', 'service-account-lookup=true', 'secure-port=0',
    ]);
    expect(flags('kube-scheduler', ['--profiling=nope'])).toEqual(['profiling=nope']); // not a bool: the component refuses it; shown as written
  });
});

describe('valueLooksSecret', () => {
  it('flags URLs that carry a password, not plain URLs', () => {
    expect(valueLooksSecret('https://user:hunter2@etcd:2379')).toBe(true);
    expect(valueLooksSecret('https://10.0.0.1:2379,https://u:p@10.0.0.2:2379')).toBe(true);
    expect(valueLooksSecret('https://10.0.0.1:2379')).toBe(false);
    expect(valueLooksSecret('/etc/kubernetes/ssl/kube-ca.pem')).toBe(false);
  });
});

describe('shownItem: a *-arg item as a warning quotes it', () => {
  it('leaves out the value of a secret flag or a credential, keeps the rest', () => {
    expect(shownItem('manifest-url-header=Authorization:Bearer SECRET')).toBe('manifest-url-header=<redacted>');
    expect(shownItem('manifest-url-header Authorization:Bearer SECRET')).toBe('manifest-url-header <redacted>');
    expect(shownItem('etcd-servers=https://user:PASS@10.0.0.1:2379')).toBe('etcd-servers=<redacted>');
    expect(shownItem('--token+=abc')).toBe('--token+=<redacted>');
    expect(shownItem('anonymous-auth=false')).toBe('anonymous-auth=false');
    expect(shownItem('5')).toBe('5');
  });
});

describe('isSecretFlag', () => {
  it('answers the same after more flag names than it remembers (a long-running agent reads any names)', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => (i % 2 ? `x-${i}-token` : `x-${i}`));
    for (const n of names) isSecretFlag(n);
    expect(names.filter((n) => isSecretFlag(n))).toHaveLength(5_000);
    expect(['token', 'bootstrap-token', 'manifest-url-header', 'oidc-client-secret'].every(isSecretFlag)).toBe(true);
    expect(isSecretFlag('anonymous-auth')).toBe(false);
  });
});
