// kube-proxy with --config: the flags the file has fields for are ignored by kube-proxy, so the file
// (or its defaults) decides 4.3.1 and where its kubeconfig is (4.1.3/4.1.4), not the command line.
import { describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { fixtureTrees } from '../support/node-audit.js';

const tree = fixtureTrees();
const PROXY_CONFIG = '/etc/rancher/rke2/kube-proxy.yaml';

function withProxyConfig(config: string | undefined, extraArgs: string[] = []) {
  return tree('rke2-agent', (s) => {
    const proxy = s.processes.find((p) => p.argv[0] === 'kube-proxy')!;
    proxy.argv = ['kube-proxy', `--config=${PROXY_CONFIG}`, ...extraArgs];
    if (config !== undefined) s.files[PROXY_CONFIG] = config;
  });
}

describe('kube-proxy --config file', () => {
  it('metricsBindAddress in the file decides 4.3.1 (a 0.0.0.0 there fails, whatever the command line)', () => {
    const { run, snapshot } = auditNode({ hostRoot: withProxyConfig('apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmetricsBindAddress: 0.0.0.0:10249\n', ['--metrics-bind-address=127.0.0.1:10249']) });
    expect(snapshot.facts['kube-proxy.args.metrics-bind-address']).toMatchObject({ value: '0.0.0.0:10249', source: 'file', layer: `kube-proxy config file ${PROXY_CONFIG}`, location: { file: PROXY_CONFIG, line: 3 } });
    expect(run.results.find((r) => r.controlId === '4.3.1')?.status).toBe('fail');
    expect(run.warnings).toContainEqual(expect.stringMatching(/kube-proxy \(pid \d+\) has --config and --metrics-bind-address: metricsBindAddress of \/etc\/rancher\/rke2\/kube-proxy\.yaml is audited in its place/));
  });

  it('a field the file leaves out takes kube-proxy\'s default, not the flag; its kubeconfig comes from clientConnection', () => {
    const { run, snapshot } = auditNode({ hostRoot: withProxyConfig('kind: KubeProxyConfiguration\nclientConnection:\n  kubeconfig: /var/lib/rancher/rke2/agent/kubeproxy.kubeconfig\n', ['--metrics-bind-address=0.0.0.0:10249']) });
    expect(snapshot.facts['kube-proxy.args.metrics-bind-address']).toMatchObject({ value: '127.0.0.1:10249', source: 'default' });
    expect(run.results.find((r) => r.controlId === '4.3.1')?.status).toBe('pass');
    expect(snapshot.facts['kube-proxy.args.kubeconfig']?.value).toBe('/var/lib/rancher/rke2/agent/kubeproxy.kubeconfig');
  });

  it('a --config file that is not there: kube-proxy\'s controls are errors, not a verdict from the command line', () => {
    const { run } = auditNode({ hostRoot: withProxyConfig(undefined) });
    const r = run.results.find((x) => x.controlId === '4.3.1')!;
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/kube-proxy --config \/etc\/rancher\/rke2\/kube-proxy\.yaml does not exist on the host/);
  });
});
