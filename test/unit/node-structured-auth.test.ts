// kube-apiserver with structured authentication / authorization files (RKE2 leaves --anonymous-auth and
// --authorization-mode out then): the files decide 1.2.1 and 1.2.6–1.2.8, with their location.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { auditNode } from '../../src/cli/audit-node-command.js';
import { ProcFsTable } from '../../src/collectors/node/proc-table.js';
import { fixtureTrees } from '../support/node-audit.js';

const tree = fixtureTrees();

function withFiles(authn: string | undefined, authz: string | undefined): string {
  return tree('rke2-server-hardened', (spec) => {
    const api = spec.processes.find((p) => p.argv[0]?.endsWith('kube-apiserver'))!;
    api.argv = api.argv.filter((a) => !/^--(anonymous-auth|authorization-mode)=/.test(a));
    if (authn !== undefined) {
      api.argv.push('--authentication-config=/etc/rancher/rke2/authn.yaml');
      spec.files['/etc/rancher/rke2/authn.yaml'] = authn;
    }
    if (authz !== undefined) {
      api.argv.push('--authorization-config=/etc/rancher/rke2/authz.yaml');
      spec.files['/etc/rancher/rke2/authz.yaml'] = authz;
    }
  });
}

function audit(root: string) {
  const { run, snapshot } = auditNode({ hostRoot: root, procTable: new ProcFsTable(path.join(root, 'proc')) });
  return { snapshot, byId: (id: string) => run.results.find((r) => r.controlId === id)! };
}

describe('structured authentication and authorization files on the node', () => {
  it('anonymous.enabled and the authorizers of the files decide, with their location', () => {
    const root = withFiles(
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\nanonymous:\n  enabled: false\n',
      'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n  - { type: Node, name: node }\n  - { type: RBAC, name: rbac }\n',
    );
    const { byId, snapshot } = audit(root);
    expect(byId('1.2.1').status).toBe('pass');
    expect(snapshot.facts['kube-apiserver.args.anonymous-auth']).toMatchObject({ value: 'false', source: 'file', location: { file: '/etc/rancher/rke2/authn.yaml', line: 4 } });
    for (const id of ['1.2.6', '1.2.7', '1.2.8']) expect(byId(id).status, id).toBe('pass');
  });

  it('a file that leaves anonymous out, or allows everything: the flag default and the authorizers fail', () => {
    const root = withFiles('apiVersion: apiserver.config.k8s.io/v1\nkind: AuthenticationConfiguration\njwt: []\n', 'apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\nauthorizers:\n  - { type: AlwaysAllow, name: all }\n');
    const { byId } = audit(root);
    expect(byId('1.2.1').status).toBe('fail');
    expect(byId('1.2.6').status).toBe('fail');
  });

  it('a file named but missing: an error naming it, not a verdict', () => {
    const missing = tree('rke2-server-hardened', (spec) => {
      const p = spec.processes.find((x) => x.argv[0]?.endsWith('kube-apiserver'))!;
      p.argv = p.argv.filter((a) => !/^--anonymous-auth=/.test(a)).concat('--authentication-config=/etc/rancher/rke2/nope.yaml');
    });
    const { byId } = audit(missing);
    expect(byId('1.2.1')).toMatchObject({ status: 'error', reason: expect.stringMatching(/nope\.yaml: --authentication-config names a file that does not exist on the host/) });
  });
});
