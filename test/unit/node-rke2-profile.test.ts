import { describe, expect, it } from 'vitest';
import { rke2ProfileFact } from '../../src/collectors/node/rke2-profile.js';
import { readRke2NodeConfig } from '../../src/collectors/node/rke2-node-config.js';
import type { ProcessInfo } from '../../src/collectors/node/ports.js';

const profileOf = (fs: HostFs, procs: Pick<ProcessInfo, 'pid' | 'argv'>[]) => rke2ProfileFact(readRke2NodeConfig(fs, procs as ProcessInfo[]));
import { HostNotFound, type HostFs } from '../../src/collectors/node/ports.js';

function fsOf(files: Record<string, string>): HostFs {
  return {
    description: 'test',
    stat: () => { throw new HostNotFound('stat'); },
    readText: (p) => {
      if (p in files) return files[p]!;
      throw new HostNotFound(p);
    },
    list: (dir) => {
      const names = Object.keys(files).filter((f) => f.startsWith(`${dir}/`)).map((f) => f.slice(dir.length + 1));
      if (names.length === 0) throw new HostNotFound(dir);
      return names.map((name) => ({ name, kind: 'file' as const }));
    },
  };
}

describe('RKE2 profile on a node', () => {
  it('a drop-in wins over config.yaml, with the drop-in\'s position', () => {
    const f = profileOf(fsOf({
      '/etc/rancher/rke2/config.yaml': 'profile: cis-1.23\n',
      '/etc/rancher/rke2/config.yaml.d/50-rancher.yaml': 'node-ip: 1.2.3.4\nprofile: cis\n',
    }), []);
    expect(f).toMatchObject({ value: 'cis', source: 'file', location: { file: '/etc/rancher/rke2/config.yaml.d/50-rancher.yaml', line: 2 } });
  });

  it('--profile on the rke2 process wins over the files', () => {
    const f = profileOf(fsOf({ '/etc/rancher/rke2/config.yaml': 'profile: etcd\n' }), [{ pid: 7, argv: ['/usr/local/bin/rke2', 'server', '--profile', 'cis'] }]);
    expect(f).toMatchObject({ value: 'cis', source: 'process' });
  });

  it('the config file named by the rke2 process (--config / -c) is read, with its drop-ins, instead of the default path', () => {
    const files = {
      '/etc/rancher/rke2/config.yaml': 'profile: etcd\n',
      '/etc/rke2/custom.yaml': 'node-ip: 1.2.3.4\n',
      '/etc/rke2/custom.yaml.d/10-cis.YML': 'profile: cis\n',
    };
    for (const argv of [['/usr/local/bin/rke2', 'agent', '--config', '/etc/rke2/custom.yaml'], ['rke2', 'server', '-c=/etc/rke2/custom.yaml']]) {
      expect(profileOf(fsOf(files), [{ pid: 9, argv }])).toMatchObject({ value: 'cis', layer: "/etc/rke2/custom.yaml.d/10-cis.YML (the rke2 process's --config) profile" });
    }
  });

  it('an empty config.yaml or drop-in sets nothing (RKE2 accepts it): the others still count', () => {
    expect(profileOf(fsOf({ '/etc/rancher/rke2/config.yaml': '', '/etc/rancher/rke2/config.yaml.d/10-empty.yaml': '', '/etc/rancher/rke2/config.yaml.d/20-cis.yaml': 'profile: cis\n' }), [])).toMatchObject({ value: 'cis' });
  });

  it('no config at all: no fact (the check says the profile is not set)', () => {
    expect(profileOf(fsOf({}), [])).toBeUndefined();
  });
});
