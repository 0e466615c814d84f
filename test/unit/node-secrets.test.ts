// Secret material on a node (tokens and passwords in argv, keys in the encryption configuration,
// client keys in kubeconfigs, container environments) never reaches a fact, evidence or a report.
import { afterEach, describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { evaluateCheck } from '../../src/engine/evaluate-check.js';
import { checkSchemas } from '../../src/model/check.js';
import { renderJson } from '../../src/reporters/json.js';
import { renderText } from '../../src/reporters/text.js';
import { SECRET_MARKER, TOKEN_MARKER } from '../fixtures/hosts/common.js';
import { removeHostTree } from '../support/host-fixtures.js';
import { fixtureTree } from '../support/node-audit.js';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeHostTree(t);
});

const PASSWORD = 'hunter2-do-not-print';

function auditWithSecrets() {
  const root = fixtureTree('rke2-server-default', (spec) => {
    const api = spec.processes.find((p) => p.argv[0] === 'kube-apiserver')!;
    // A made-up secret flag and a credential inside a URL, in both flag forms.
    api.argv.push(`--oidc-client-secret=${PASSWORD}`, '--etcd-servers', `https://root:${PASSWORD}@10.0.0.1:2379`);
    const kubelet = spec.processes.find((p) => p.argv[0]!.endsWith('/bin/kubelet'))!;
    kubelet.argv.push('--bootstrap-token', PASSWORD, `--manifest-url-header=Authorization:Bearer ${PASSWORD}`);
  });
  trees.push(root);
  return auditNode({ hostRoot: root });
}

describe('secrets on a node', () => {
  it('a secret flag is a fact that says "set", never its value', () => {
    const { snapshot } = auditWithSecrets();
    expect(snapshot.facts['kube-apiserver.args.oidc-client-secret']).toMatchObject({ value: '<redacted>', secret: true });
    expect(snapshot.facts['kubelet.args.bootstrap-token']).toMatchObject({ value: '<redacted>', secret: true });
    // The header the kubelet sends with each manifest fetch carries a bearer token.
    expect(snapshot.facts['kubelet.args.manifest-url-header']).toMatchObject({ value: '<redacted>', secret: true });
    // etcd-servers accumulates: the URL with a password makes the whole value secret.
    expect(snapshot.facts['kube-apiserver.args.etcd-servers']).toMatchObject({ value: '<redacted>', secret: true });
    expect(JSON.stringify(snapshot)).not.toContain(PASSWORD);
  });

  it('evidence of a check reading a secret fact shows <redacted>', () => {
    const { snapshot } = auditWithSecrets();
    const check = checkSchemas().CheckSchema.parse({
      id: 'oidc-client-secret-set',
      title: 'probe',
      component: 'kube-apiserver',
      decidedBy: ['node'],
      severity: 'low',
      rationale: 'test',
      assert: { fact: 'kube-apiserver.args.oidc-client-secret', op: 'matches', value: 'hunter' },
      onMissing: { status: 'fail', reason: 'not set' },
      remediation: { rke1: { text: 'x' }, rke2: { text: 'x' } },
    });
    const outcome = evaluateCheck(check, snapshot);
    expect(outcome.evidence[0]).toMatchObject({ fact: 'kube-apiserver.args.oidc-client-secret', observed: '<redacted>' });
    // The value is gone before evaluation: a check cannot leak (or match) it.
    expect(outcome.status).toBe('fail');
  });

  it('no report format carries tokens, passwords, encryption keys or kubeconfig keys', () => {
    const { run } = auditWithSecrets();
    for (const text of [renderJson(run), renderText(run, { colour: false })]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(SECRET_MARKER); // encryption key, client keys, container env
      expect(text).not.toContain(TOKEN_MARKER); // rke2 --token on the supervisor's argv, /var/lib/rancher/rke2/server/token
    }
  });
});
