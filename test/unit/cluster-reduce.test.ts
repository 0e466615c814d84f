import { describe, expect, it } from 'vitest';
import { clusterFactSchemas } from '../../src/engine/evaluators/cluster/cluster-facts.js';
import { reducePod } from '../../src/collectors/cluster/reduce-pod.js';
import { reduceBinding, reduceRole } from '../../src/collectors/cluster/reduce-rbac.js';
import {
  reduceDaemonSet, reduceNamespace, reduceNetworkPolicy, reduceServiceAccount, reduceWebhookConfiguration,
} from '../../src/collectors/cluster/reduce-objects.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name: 'web-1', namespace: 'team-a', uid: 'u', labels: { app: 'web' }, annotations: { big: 'x'.repeat(10_000) },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d9c', uid: 'r', controller: true }],
    managedFields: [{ manager: 'kubectl' }],
  },
  spec: {
    serviceAccountName: 'web',
    hostNetwork: true,
    hostPID: false,
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }, { name: 'cfg', configMap: { name: 'cfg' } }],
    initContainers: [{ name: 'setup', image: 'busybox', securityContext: { privileged: true } }],
    containers: [{
      name: 'app', image: 'nginx', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 81 }],
      env: [{ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }, { name: 'PLAIN', value: 'secret-looking-value' }],
      envFrom: [{ secretRef: { name: 'api-keys' } }, { configMapRef: { name: 'cfg' } }],
      securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, runAsUser: 1000 },
    }],
  },
  status: { phase: 'Running', podIP: '10.0.0.1' },
};

describe('reducers keep only what checks read', () => {
  it('reduces a pod to its security-relevant fields, never env values', () => {
    const r = reducePod(pod)!;
    expect(clusterFactSchemas().PodSchema.parse(r)).toEqual(r);
    expect(r).toEqual({
      namespace: 'team-a', name: 'web-1',
      containers: [
        { name: 'app', allowPrivilegeEscalation: false, runAsUser: 1000, capabilitiesAdd: ['NET_BIND_SERVICE'], capabilitiesDrop: ['ALL'], hostPorts: [8080], secretEnv: ['PASSWORD from secret db/password', 'all keys of secret api-keys'] },
        { name: 'setup', kind: 'init', privileged: true },
      ],
      phase: 'Running', owner: 'ReplicaSet/web-5d9c', serviceAccountName: 'web', apiTokenMounted: false, hostNetwork: true,
      runAsNonRoot: true, seccompProfile: 'RuntimeDefault', hostPathVolumes: ['sock:/var/run/docker.sock'],
    });
    expect(JSON.stringify(r)).not.toContain('secret-looking-value');
    expect(JSON.stringify(r).length).toBeLessThan(JSON.stringify(pod).length / 10);
  });

  it('records whether a container mounts the API token (what the pod has, whatever its ServiceAccount says now)', () => {
    const withToken = structuredClone(pod) as typeof pod & { spec: { containers: { volumeMounts?: { name: string; mountPath: string }[] }[] } };
    withToken.spec.containers[0]!.volumeMounts = [{ name: 'kube-api-access-x2x9f', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' }];
    expect(reducePod(withToken)!.apiTokenMounted).toBe(true);
    expect(reducePod(pod)!.apiTokenMounted).toBe(false);
  });

  it('keeps only the PSA labels of a namespace', () => {
    expect(reduceNamespace({ metadata: { name: 'a', labels: { team: 'x', 'pod-security.kubernetes.io/enforce': 'restricted' } } }))
      .toEqual({ name: 'a', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } });
    expect(reduceNamespace({ metadata: { name: 'b' } })).toEqual({ name: 'b' });
  });

  it('leaves out a namespace being deleted (its NetworkPolicies are gone first; it is not judged)', () => {
    expect(reduceNamespace({ metadata: { name: 'old', deletionTimestamp: '2026-11-01T00:00:00Z' }, status: { phase: 'Terminating' } })).toBeUndefined();
    expect(reduceNamespace({ metadata: { name: 'stuck' }, status: { phase: 'Terminating' } })).toBeUndefined();
    expect(reduceNamespace({ metadata: { name: 'live' }, status: { phase: 'Active' } })).toEqual({ name: 'live' });
  });

  it('keeps the automount setting of a ServiceAccount', () => {
    expect(reduceServiceAccount({ metadata: { name: 'default', namespace: 'a' }, automountServiceAccountToken: false, secrets: [{ name: 't' }] }))
      .toEqual({ namespace: 'a', name: 'default', automountServiceAccountToken: false });
  });

  it('marks bootstrap RBAC and keeps rules and subjects', () => {
    expect(reduceRole({ metadata: { name: 'view', labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' } }, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] }))
      .toEqual({ name: 'view', bootstrap: true, rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }] });
    expect(reduceBinding({ metadata: { name: 'b', namespace: 'n' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'n' }] }))
      .toEqual({ namespace: 'n', name: 'b', roleRef: { kind: 'Role', name: 'r' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'n' }] });
  });

  it('recognises an allow-all NetworkPolicy', () => {
    const allowAll = { metadata: { name: 'default-allow-all', namespace: 'a' }, spec: { podSelector: {}, ingress: [{}], egress: [{}], policyTypes: ['Ingress', 'Egress'] } };
    const denyAll = { metadata: { name: 'deny', namespace: 'a' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } };
    const sameNs = { metadata: { name: 'same', namespace: 'a' }, spec: { podSelector: {}, ingress: [{ from: [{ podSelector: {} }] }] } };
    expect(reduceNetworkPolicy(allowAll)).toEqual({ namespace: 'a', name: 'default-allow-all', allowsAll: true });
    expect(reduceNetworkPolicy(denyAll)).toEqual({ namespace: 'a', name: 'deny' });
    expect(reduceNetworkPolicy(sameNs)).toEqual({ namespace: 'a', name: 'same' });
  });

  it('keeps DaemonSet images and whether a webhook intercepts pods', () => {
    expect(reduceDaemonSet({ metadata: { name: 'rke2-canal', namespace: 'kube-system' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'rancher/hardened-calico' }, { name: 'f', image: 'rancher/hardened-flannel' }] } } } }))
      .toEqual({ namespace: 'kube-system', name: 'rke2-canal', images: ['rancher/hardened-calico', 'rancher/hardened-flannel'] });
    const hook = (resources: string[]) => ({ metadata: { name: 'w' }, webhooks: [{ name: 'x', rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources }] }] });
    expect(reduceWebhookConfiguration(hook(['pods']))).toEqual({ name: 'w', interceptsPods: true });
    expect(reduceWebhookConfiguration(hook(['configmaps']))).toEqual({ name: 'w' });
  });
});
