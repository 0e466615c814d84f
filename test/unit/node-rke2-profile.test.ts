import { describe, expect, it } from 'vitest';
import { rke2ProfileFact } from '../../src/collectors/node/rke2-profile.js';
import { readRke2NodeConfig } from '../../src/collectors/node/rke2-node-config.js';
import { HostNotFound, HostReadError, type HostFs, type ProcessInfo } from '../../src/collectors/node/ports.js';
import { environOf } from '../../src/collectors/node/proc-table.js';

/** Environments by pid, as /proc/<pid>/environ would give them. */
const environs = (byPid: Record<number, Record<string, string>> = {}) => ({
  environ: (pid: number, names: readonly string[]) => Object.fromEntries(Object.entries(byPid[pid] ?? {}).filter(([k]) => names.includes(k))),
});
const profileOf = (fs: HostFs, procs: Pick<ProcessInfo, 'pid' | 'argv'>[], env = environs()) => rke2ProfileFact(readRke2NodeConfig(fs, procs as ProcessInfo[], env));

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
    for (const [argv, how] of [[['/usr/local/bin/rke2', 'agent', '--config', '/etc/rke2/custom.yaml'], '--config'], [['rke2', 'server', '-c=/etc/rke2/custom.yaml'], '-c']] as const) {
      expect(profileOf(fsOf(files), [{ pid: 9, argv: [...argv] }])).toMatchObject({ value: 'cis', layer: `/etc/rke2/custom.yaml.d/10-cis.YML (the rke2 process's ${how}) profile` });
    }
  });

  describe("the rke2 process's environment (systemd EnvironmentFile)", () => {
    const files = {
      '/etc/rancher/rke2/config.yaml': 'profile: etcd\n',
      '/etc/rke2/flag.yaml': 'profile: cis-1.23\n',
      '/etc/rke2/env.yaml': 'profile: cis\n',
    };
    const server = { pid: 5, argv: ['/usr/local/bin/rke2', 'server', '--config', '/etc/rke2/flag.yaml'] };

    it('RKE2_CONFIG_FILE names the config file, even over --config (k3s configfilearg reads the variable first)', () => {
      expect(profileOf(fsOf(files), [server], environs({ 5: { RKE2_CONFIG_FILE: '/etc/rke2/env.yaml' } }))).toMatchObject({
        value: 'cis',
        layer: "/etc/rke2/env.yaml (the rke2 process's RKE2_CONFIG_FILE in the environment) profile",
      });
      // An empty variable is unset.
      expect(profileOf(fsOf(files), [server], environs({ 5: { RKE2_CONFIG_FILE: '' } }))).toMatchObject({ value: 'cis-1.23' });
    });

    it('RKE2_CIS_PROFILE counts only when neither the command line nor the config file sets profile', () => {
      const env = environs({ 5: { RKE2_CIS_PROFILE: 'cis' } });
      expect(profileOf(fsOf({}), [{ pid: 5, argv: ['rke2', 'server'] }], env)).toMatchObject({ value: 'cis', source: 'process', layer: 'rke2 process 5 RKE2_CIS_PROFILE in the environment' });
      expect(profileOf(fsOf(files), [{ pid: 5, argv: ['rke2', 'server'] }], env)).toMatchObject({ value: 'etcd' });
      expect(profileOf(fsOf({}), [{ pid: 5, argv: ['rke2', 'server', '--profile=etcd'] }], env)).toMatchObject({ value: 'etcd', layer: 'rke2 process 5 --profile' });
    });

    it("an environment that cannot be read (no right to trace rke2): the unit's EnvironmentFiles, later ones winning, each named", () => {
      const unreadable = {
        environ: () => {
          throw new HostReadError('/proc/5/environ', 'EACCES');
        },
      };
      const withUnitFiles = fsOf({
        ...files,
        '/etc/default/rke2-server': '# RKE2_CONFIG_FILE=/nope\nRKE2_CONFIG_FILE="/etc/rke2/none.yaml"\n',
        '/etc/sysconfig/rke2-server': "HOME=/root\nRKE2_CONFIG_FILE='/etc/rke2/env.yaml'\n",
        '/opt/rke2/lib/systemd/system/rke2-server.env': 'RKE2_DATA_DIR=/data/rke2\n',
      });
      const config = readRke2NodeConfig(withUnitFiles, [{ pid: 5, argv: ['/opt/rke2/bin/rke2', 'server'] }], unreadable);
      expect(config.file).toBe('/etc/rke2/env.yaml');
      expect(config.namedBy).toBe("the rke2 process's RKE2_CONFIG_FILE in /etc/sysconfig/rke2-server (EnvironmentFile of rke2-server; the process's own environment is not readable)");
      expect(config.processes[0]!.env.RKE2_DATA_DIR).toEqual({ value: '/data/rke2', from: expect.stringMatching(/^\/opt\/rke2\/lib\/systemd\/system\/rke2-server\.env /) });
      // An agent reads rke2-agent's files; none here: the --config flag names the file.
      const agent = readRke2NodeConfig(withUnitFiles, [{ pid: 5, argv: ['/opt/rke2/bin/rke2', 'agent', '--config', '/etc/rke2/flag.yaml'] }], unreadable);
      expect(agent.file).toBe('/etc/rke2/flag.yaml');
    });

    it('/proc/<pid>/environ: only the names asked for, the first of a name set twice (as Go\'s os.Getenv)', () => {
      const raw = 'RKE2_TOKEN=secret\u0000RKE2_DATA_DIR=/opt/a\u0000RKE2_DATA_DIR=/opt/b\u0000=x\u0000NOEQUALS\u0000RKE2_CIS_PROFILE=a=b\u0000';
      expect(environOf(raw, ['RKE2_DATA_DIR', 'RKE2_CIS_PROFILE'])).toEqual({ RKE2_DATA_DIR: '/opt/a', RKE2_CIS_PROFILE: 'a=b' });
    });
  });

  it('an empty config.yaml or drop-in sets nothing (RKE2 accepts it): the others still count', () => {
    expect(profileOf(fsOf({ '/etc/rancher/rke2/config.yaml': '', '/etc/rancher/rke2/config.yaml.d/10-empty.yaml': '', '/etc/rancher/rke2/config.yaml.d/20-cis.yaml': 'profile: cis\n' }), [])).toMatchObject({ value: 'cis' });
  });

  it('no config at all: no fact (the check says the profile is not set)', () => {
    expect(profileOf(fsOf({}), [])).toBeUndefined();
  });
});
