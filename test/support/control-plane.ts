// A real Kubernetes control plane for tests: etcd, kube-apiserver and (by default)
// kube-controller-manager as plain processes on free 127.0.0.1 ports, with a throw-away PKI.
//
//   const cp = await startControlPlane({ extraApiServerArgs: ['--audit-log-path={{dir}}/audit.log'] });
//   try { await cp.request('GET', '/api/v1/namespaces') } finally { await cp.stop() }
//
// Binaries: see controlplane-bin.ts (scripts/build-controlplane.sh builds them).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { OutgoingHttpHeaders } from 'node:http';
import { generatePki, type Pki } from './certs.js';
import { findControlPlaneBinaries, type ControlPlaneBinaries } from './controlplane-bin.js';
import { mergeFlags, substituteDir } from './flags.js';
import { certificateClient, etcdGet, plainRequest, type HttpResponse, type RequestBody } from './http.js';
import { writeKubeconfig } from './kubeconfig.js';
import { freePorts } from './ports.js';
import { registerExitCleanup, startProcess, type ManagedProcess } from './processes.js';
import { ProcessExitedError, waitFor } from './wait.js';

export interface ControlPlaneOptions {
  /** Run kube-controller-manager too (default true); it creates e.g. every namespace's `default` ServiceAccount. */
  controllerManager?: boolean;
  /**
   * Flags appended to the API server's defaults, `--name=value` form. `{{dir}}` is replaced by the
   * control plane's directory. A flag given here replaces every default of the same name.
   */
  extraApiServerArgs?: string[];
  /** Same, for kube-controller-manager. */
  extraControllerManagerArgs?: string[];
  /** Files written into the directory before the API server starts: relative path => content (`{{dir}}` substituted). */
  files?: Record<string, string>;
  /** Overall start deadline (default 120 s). */
  startTimeoutMs?: number;
  /** Binaries to use (default: findControlPlaneBinaries()). */
  binaries?: ControlPlaneBinaries;
  /** Keep the directory (logs, etcd data, certs) after stop() (default: env RKE_HARDEN_KEEP_CONTROLPLANE_DIR=1). */
  keepDir?: boolean;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface KubeVersion {
  major: string;
  minor: string;
  gitVersion: string;
  gitTreeState?: string;
  buildDate?: string;
  goVersion?: string;
  platform?: string;
}

export interface ControlPlane {
  /** Temp directory: pki/, logs/, etcd-data/, admin.kubeconfig, and the `files` option. */
  dir: string;
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** http://127.0.0.1:<port> */
  etcdEndpoint: string;
  /** What GET /version reported. */
  version: KubeVersion;
  pki: Pki;
  apiServerArgs: string[];
  controllerManagerArgs: string[] | undefined;
  processes: { etcd: ManagedProcess; apiServer: ManagedProcess; controllerManager?: ManagedProcess };
  /** A request to the API server as the admin user (CN=kube-admin, O=system:masters). Objects are sent as JSON. */
  request(method: string, path: string, body?: RequestBody, headers?: OutgoingHttpHeaders): Promise<HttpResponse>;
  /** Raw bytes stored in etcd under `key` (e.g. /registry/secrets/<ns>/<name>), undefined when absent. */
  etcdGet(key: string): Promise<Buffer | undefined>;
  /** Stops every process (controller manager, API server, etcd) and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

/** The API server (or another component) did not come up. `serverErrorLines` are its own error lines. */
export class ControlPlaneStartError extends Error {
  override name = 'ControlPlaneStartError';
  constructor(
    message: string,
    readonly component: string | undefined,
    readonly serverErrorLines: string[],
    /** Pids of every process this start spawned (all stopped by the time this is thrown). */
    readonly pids: number[],
  ) {
    super(message);
  }
}

const SERVICE_CIDR = '10.0.0.0/24';
const SERVICE_IP = '10.0.0.1';
const CONTROLLERS = [
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'namespace-controller',
  'garbage-collector-controller',
  'clusterrole-aggregation-controller',
  'root-ca-certificate-publisher-controller',
];

/**
 * The lines of a component's stderr that state why it failed: cobra's `Error: ...`, klog's
 * error/fatal lines (`E1127 12:00:00.000000 ...`, `F1127 ...`) and etcd's JSON error/fatal lines;
 * the last `max` of them (the fatal one comes last). Falls back to the last lines of stderr.
 */
export function serverErrorLines(stderr: string, max = 10): string[] {
  const lines = stderr.split('\n').filter((line) => line.trim() !== '');
  const errors = lines.filter((line) => /^Error: /.test(line) || /^[EF]\d{4} /.test(line) || /^\{"level":"(error|fatal|panic)"/.test(line));
  return (errors.length > 0 ? errors : lines).slice(-max);
}

function etcdEnv(): NodeJS.ProcessEnv {
  // etcd reads ETCD_* variables as flags; a developer's environment must not leak into the test etcd.
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ETCD_')));
}

async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    const path = join(dir, name);
    if (isAbsolute(name) || relative(dir, path).startsWith('..')) throw new Error(`files: ${name} is not inside the control-plane directory`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, substituteDir(content, dir), { mode: 0o600 });
  }
}

/**
 * Starts a control plane. Free ports are picked before the servers bind them, so a start that lost
 * a port to another process (`address already in use`) is retried, twice at most.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      const portTaken = error instanceof ControlPlaneStartError && error.message.includes('address already in use');
      if (!portTaken || attempt === 3) throw error;
      options.log?.(`port taken, retrying (${error.message.split('\n')[0]})`);
    }
  }
}

async function startOnce(options: ControlPlaneOptions): Promise<ControlPlane> {
  const binaries = options.binaries ?? findControlPlaneBinaries();
  const log = options.log ?? (() => undefined);
  const keepDir = options.keepDir ?? process.env.RKE_HARDEN_KEEP_CONTROLPLANE_DIR === '1';
  const deadline = Date.now() + (options.startTimeoutMs ?? 120_000);
  const withController = options.controllerManager ?? true;

  const dir = await mkdtemp(join(tmpdir(), 'rke-harden-cp-'));
  const unregisterCleanup = registerExitCleanup(() => {
    if (!keepDir) rmSync(dir, { recursive: true, force: true });
  });
  const started: ManagedProcess[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      for (const p of [...started].reverse()) await p.stop();
      unregisterCleanup();
      if (!keepDir) await rm(dir, { recursive: true, force: true });
    })();
    return stopping;
  };

  let component: string | undefined;
  try {
    const logDir = join(dir, 'logs');
    await mkdir(logDir);
    await mkdir(join(dir, 'pki'));
    const [etcdPort, etcdPeerPort, apiPort, kcmPort] = (await freePorts(4)) as [number, number, number, number];
    const pki = await generatePki(join(dir, 'pki'), SERVICE_IP);
    await writeFiles(dir, options.files ?? {});

    // etcd
    component = 'etcd';
    const etcdEndpoint = `http://127.0.0.1:${etcdPort}`;
    const peer = `http://127.0.0.1:${etcdPeerPort}`;
    const etcd = startProcess('etcd', binaries.etcd, [
      '--name=default',
      `--data-dir=${join(dir, 'etcd-data')}`,
      `--listen-client-urls=${etcdEndpoint}`,
      `--advertise-client-urls=${etcdEndpoint}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ], { logDir, env: etcdEnv() });
    started.push(etcd);
    await waitFor('etcd /health', async () => {
      const response = await plainRequest(`${etcdEndpoint}/health`, 'GET');
      return response.status === 200 && response.json<{ health?: string }>().health === 'true' ? true : undefined;
    }, { deadline, watch: [etcd] });
    log(`etcd ready at ${etcdEndpoint}`);

    // kube-apiserver
    component = 'kube-apiserver';
    const server = `https://127.0.0.1:${apiPort}`;
    const apiServerArgs = mergeFlags([
      `--etcd-servers=${etcdEndpoint}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      '--advertise-address=127.0.0.1',
      // 1.37 refuses a loopback advertise address while it reconciles the kubernetes Endpoints.
      '--endpoint-reconciler-type=none',
      `--cert-dir=${join(dir, 'apiserver-certs')}`,
      `--tls-cert-file=${pki.apiServer.cert}`,
      `--tls-private-key-file=${pki.apiServer.key}`,
      `--client-ca-file=${pki.ca.cert}`,
      '--authorization-mode=Node,RBAC',
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-signing-key-file=${pki.serviceAccountKey}`,
      `--service-account-key-file=${pki.serviceAccountPub}`,
      '--allow-privileged=true',
    ], (options.extraApiServerArgs ?? []).map((arg) => substituteDir(arg, dir)));
    const apiServer = startProcess('kube-apiserver', binaries.kubeApiServer, apiServerArgs, { logDir });
    started.push(apiServer);
    const request = certificateClient(server, { ca: pki.ca.cert, cert: pki.admin.cert, key: pki.admin.key });
    await waitFor('kube-apiserver /readyz', async () => ((await request('GET', '/readyz')).status === 200 ? true : undefined), {
      deadline,
      watch: [etcd, apiServer],
    });
    await waitFor('namespace default', async () => ((await request('GET', '/api/v1/namespaces/default')).status === 200 ? true : undefined), {
      deadline,
      watch: [etcd, apiServer],
    });
    const versionResponse = await request('GET', '/version');
    const version = versionResponse.json<KubeVersion>();
    log(`kube-apiserver ${version.gitVersion} ready at ${server}`);

    const kubeconfigPath = await writeKubeconfig(join(dir, 'admin.kubeconfig'), {
      server,
      caFile: pki.ca.cert,
      certFile: pki.admin.cert,
      keyFile: pki.admin.key,
    });

    // kube-controller-manager
    let controllerManager: ManagedProcess | undefined;
    let controllerManagerArgs: string[] | undefined;
    if (withController) {
      component = 'kube-controller-manager';
      const kcmKubeconfig = await writeKubeconfig(join(dir, 'kube-controller-manager.kubeconfig'), {
        server,
        caFile: pki.ca.cert,
        certFile: pki.controllerManager.cert,
        keyFile: pki.controllerManager.key,
        name: 'kube-controller-manager',
      });
      controllerManagerArgs = mergeFlags([
        `--kubeconfig=${kcmKubeconfig}`,
        `--authentication-kubeconfig=${kcmKubeconfig}`,
        `--authorization-kubeconfig=${kcmKubeconfig}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, 'kcm-certs')}`,
        '--leader-elect=false',
        `--controllers=${CONTROLLERS.join(',')}`,
        `--service-account-private-key-file=${pki.serviceAccountKey}`,
        `--root-ca-file=${pki.ca.cert}`,
        '--use-service-account-credentials=true',
      ], (options.extraControllerManagerArgs ?? []).map((arg) => substituteDir(arg, dir)));
      controllerManager = startProcess('kube-controller-manager', binaries.kubeControllerManager, controllerManagerArgs, { logDir });
      started.push(controllerManager);
      await waitFor('ServiceAccount default/default (created by kube-controller-manager)', async () => {
        const response = await request('GET', '/api/v1/namespaces/default/serviceaccounts/default');
        return response.status === 200 ? true : undefined;
      }, { deadline, watch: [etcd, apiServer, controllerManager] });
      log('kube-controller-manager ready');
    }

    return {
      dir,
      kubeconfigPath,
      server,
      etcdEndpoint,
      version,
      pki,
      apiServerArgs,
      controllerManagerArgs,
      processes: { etcd, apiServer, controllerManager },
      request,
      etcdGet: (key) => etcdGet(etcdEndpoint, key),
      stop: stopAll,
    };
  } catch (error) {
    throw await startFailure(error, component, started, stopAll);
  }
}

async function startFailure(
  error: unknown,
  component: string | undefined,
  started: ManagedProcess[],
  stopAll: () => Promise<void>,
): Promise<ControlPlaneStartError> {
  const failed = error instanceof ProcessExitedError ? error.process : started.find((p) => p.name === component);
  let lines: string[] = [];
  let detail = '';
  if (failed) {
    // A process that has just exited may still be flushing; its exit is what we wait for.
    if (error instanceof ProcessExitedError) await failed.exited;
    lines = serverErrorLines(failed.stderr());
    detail = `\n${failed.name} said:\n${lines.map((line) => `  ${line}`).join('\n')}`;
  }
  const pids = started.map((p) => p.pid);
  await stopAll();
  const reason = error instanceof Error ? error.message : String(error);
  const who = failed?.name ?? component;
  return new ControlPlaneStartError(`control plane did not start (${who ?? 'setup'}): ${reason}${detail}`, who, lines, pids);
}

/** Human-readable lines describing a running control plane (used by scripts/controlplane.ts). */
export function controlPlaneSummary(cp: ControlPlane): string[] {
  const { etcd, apiServer, controllerManager } = cp.processes;
  const pids = [etcd, apiServer, controllerManager].filter((p): p is ManagedProcess => p !== undefined).map((p) => `${p.name}=${p.pid}`);
  return [
    `control plane up: Kubernetes ${cp.version.gitVersion}`,
    `  kubeconfig: ${cp.kubeconfigPath}`,
    `  server:     ${cp.server}`,
    `  etcd:       ${cp.etcdEndpoint}`,
    `  dir:        ${cp.dir}`,
    `  logs:       ${cp.dir}/logs`,
    `  pids:       ${pids.join(' ')}`,
  ];
}
