import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { rancherDeliveredFiles } from '../../src/config/companion/rancher-delivered-files.js';
import { readYamlFile } from '../../src/config/read-yaml-file.js';
import { tempTree } from '../support/temp-files.js';

const CLUSTER = `apiVersion: provisioning.cattle.io/v1
kind: Cluster
metadata: { name: prod, namespace: fleet-default }
spec:
  rkeConfig:
    machineSelectorFiles:
      - fileSources:
          - secret:
              name: enc
              items:
                - { key: encryption.yaml, path: /etc/rancher/rke2/enc.yaml }
          - configMap:
              name: other-ns
              items:
                - { key: a, path: /etc/a }
`;

describe('files a Rancher Cluster delivers from objects kept beside it', () => {
  it('a Secret by data (base64) or stringData, matched by namespace and name; another namespace is not it', () => {
    const dir = tempTree({
      'cluster.yaml': CLUSTER,
      'objects.yaml': [
        'apiVersion: v1\nkind: Secret\nmetadata:\n  name: enc\n  namespace: fleet-default\n  annotations: { rke.cattle.io/object-authorized-for-clusters: "dev, prod" }\ndata:\n  encryption.yaml: ' + Buffer.from('kind: EncryptionConfiguration\n').toString('base64'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other-ns\n  namespace: elsewhere\n  annotations: { rke.cattle.io/object-authorized-for-clusters: prod }\ndata: { a: x }',
      ].join('\n---\n') + '\n',
    });
    const warnings: string[] = [];
    const files = rancherDeliveredFiles(readYamlFile(path.join(dir, 'cluster.yaml')), warnings);
    expect(files).toEqual({ '/etc/rancher/rke2/enc.yaml': { text: 'kind: EncryptionConfiguration\n', from: `${path.join(dir, 'objects.yaml')}: Secret fleet-default/enc key encryption.yaml` } });
    expect(warnings).toEqual([]);
  });

  it("an object without a namespace counts as the Cluster's; one that does not authorise this cluster is a warning and is not read", () => {
    const dir = tempTree({
      'cluster.yaml': CLUSTER,
      'enc.yaml': 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: enc\n  annotations: { rke.cattle.io/object-authorized-for-clusters: staging }\nstringData: { encryption.yaml: plain }\n',
    });
    const warnings: string[] = [];
    expect(rancherDeliveredFiles(readYamlFile(path.join(dir, 'cluster.yaml')), warnings)).toEqual({});
    expect(warnings).toEqual([`${path.join(dir, 'enc.yaml')}: Secret fleet-default/enc lacks the annotation rke.cattle.io/object-authorized-for-clusters: prod, so Rancher will not deliver its files to prod's machines`]);
  });
});
