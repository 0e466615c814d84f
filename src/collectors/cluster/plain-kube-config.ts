/**
 * The common kubeconfig, read without @kubernetes/client-node, whose import costs more than collecting a
 * thousand namespaces: client certificate and key, CA, bearer token or token file, basic auth,
 * insecure-skip-tls-verify and tls-server-name, files or inline data, paths relative to the file. The
 * same settings client-node would apply (test/unit/cluster-kubeconfig.test.ts compares the two).
 *
 * Anything else on the chosen context (exec and auth-provider plugins, proxy-url, impersonation) makes
 * readPlainKubeConfig return undefined: load-kube-config.ts then loads the files with client-node.
 */
import fs from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import { parse } from 'yaml';
import { inputError } from '../../errors/rke-harden-error.js';
import type { KubeTarget } from './kube-target.js';

type Named<K extends string> = { name?: unknown } & { [key in K]?: Record<string, unknown> };
interface KubeconfigFile {
  clusters?: Named<'cluster'>[];
  users?: Named<'user'>[];
  contexts?: Named<'context'>[];
  'current-context'?: string;
}

/** Settings a user or cluster may carry that only client-node applies. */
const NEEDS_CLIENT_NODE = { user: ['exec', 'auth-provider', 'as', 'as-groups', 'as-user-extra', 'as-uid'], cluster: ['proxy-url'] };

interface Entry {
  /** The file's directory: relative paths in it are relative to the file (as kubectl and client-node read them). */
  dir: string;
  value: Record<string, unknown>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A path as the kubeconfig gives it, relative to the file it is written in. */
const inDirOf = (entry: Entry, file: string): string => (path.isAbsolute(file) ? file : path.join(entry.dir, file));

function readFile(file: string): KubeconfigFile {
  let doc: unknown;
  try {
    doc = parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw inputError(`kubeconfig ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw inputError(`kubeconfig ${file}: not a kubeconfig (a YAML map)`);
  return doc as KubeconfigFile;
}

export class PlainKubeConfig implements KubeTarget {
  constructor(
    private readonly contextName: string,
    private readonly cluster: Entry,
    private readonly user: Entry,
  ) {}

  getCurrentContext(): string {
    return this.contextName;
  }

  getCurrentCluster(): { server: string } {
    return { server: String(this.cluster.value.server).replace(/\/$/, '') };
  }

  private bytes(entry: Entry, fileKey: string, dataKey: string): Buffer | undefined {
    const file = str(entry.value[fileKey]);
    if (file) return fs.readFileSync(inDirOf(entry, file));
    const data = str(entry.value[dataKey]);
    return data ? Buffer.from(data, 'base64') : undefined;
  }

  async applyToHTTPSOptions(opts: https.RequestOptions): Promise<void> {
    const c = this.cluster.value;
    const u = this.user.value;
    if (c['insecure-skip-tls-verify'] === true) opts.rejectUnauthorized = false;
    if (str(c['tls-server-name'])) opts.servername = str(c['tls-server-name']);
    const ca = this.bytes(this.cluster, 'certificate-authority', 'certificate-authority-data');
    if (ca) opts.ca = ca;
    const cert = this.bytes(this.user, 'client-certificate', 'client-certificate-data');
    if (cert) opts.cert = cert;
    const key = this.bytes(this.user, 'client-key', 'client-key-data');
    if (key) opts.key = key;
    const headers: Record<string, string> = {};
    // kubectl's key is tokenFile, client-node's token-file; read at each call, so a rotated token is picked up.
    const tokenFile = str(u.tokenFile) ?? str(u['token-file']);
    const token = str(u.token) ?? (tokenFile ? fs.readFileSync(inDirOf(this.user, tokenFile), 'utf8').trim() : undefined);
    if (token) headers.Authorization = `Bearer ${token}`;
    opts.headers = { ...(opts.headers as Record<string, string> | undefined), ...headers };
    if (str(u.username)) opts.auth = `${String(u.username)}:${String(u.password ?? '')}`;
  }
}

/**
 * The current (or the given) context of the merged files (the first file that defines a name, and the
 * first current-context, win), when every setting it uses is one PlainKubeConfig applies; else undefined.
 * Missing contexts, clusters or users are left to the caller's messages: undefined as well.
 */
export function readPlainKubeConfig(files: string[], context?: string): PlainKubeConfig | undefined {
  const named = { clusters: new Map<string, Entry>(), users: new Map<string, Entry>(), contexts: new Map<string, Entry>() };
  let current: string | undefined;
  for (const file of files) {
    const doc = readFile(file);
    const dir = path.dirname(file);
    current ??= str(doc['current-context']);
    for (const [list, key] of [['clusters', 'cluster'], ['users', 'user'], ['contexts', 'context']] as const) {
      for (const item of (Array.isArray(doc[list]) ? doc[list] : []) as Record<string, unknown>[]) {
        const name = str(item?.name);
        const value = item?.[key];
        if (name && value && typeof value === 'object' && !named[list].has(name)) named[list].set(name, { dir, value: value as Record<string, unknown> });
      }
    }
  }
  const contextName = context ?? current;
  const ctx = contextName ? named.contexts.get(contextName)?.value : undefined;
  const cluster = ctx ? named.clusters.get(String(ctx.cluster)) : undefined;
  const user = ctx ? (named.users.get(String(ctx.user)) ?? { dir: '', value: {} }) : undefined;
  if (!contextName || !cluster || !user || !str(cluster.value.server)) return undefined;
  if (NEEDS_CLIENT_NODE.user.some((k) => user.value[k] !== undefined)) return undefined;
  if (NEEDS_CLIENT_NODE.cluster.some((k) => cluster.value[k] !== undefined)) return undefined;
  return new PlainKubeConfig(contextName, cluster, user);
}
