/**
 * `agent node`: on every node (DaemonSet), collect the node's FactSnapshot from the read-only host
 * mounts every --interval (with jitter, so a fresh rollout does not write from every node at once)
 * and publish it as the ConfigMap `rke-harden-snapshot-<node>` in the agent's namespace, owned by
 * the Node object (deleting the node deletes its snapshot). A collection that fails or passes
 * --timeout is published too, as such: the aggregator reports the node's controls as errors.
 */
import { TOOL_VERSION } from '../version.js';
import type { AgentKube } from './kube-store.js';
import type { CollectRequest, CollectResult, Collector } from './collect.js';
import { envelopeToConfigMap, type SnapshotEnvelope } from './snapshot-envelope.js';

export interface NodeAgentOptions {
  request: CollectRequest;
  namespace: string;
  timeoutMs: number;
  intervalMs: number;
  /** Fraction of the interval added at random before each cycle (0.1 = up to 10 %). */
  jitter: number;
  once: boolean;
  /** Where envelopes go: the cluster (ConfigMap) or stdout (JSON, for debugging). */
  publish: 'configmap' | 'stdout';
  /** After a failed publish, the first wait before trying again (doubling, at most the interval); 30 s by default. */
  publishRetryMs?: number;
}

export interface NodeAgentDeps {
  collector: Collector;
  kube?: AgentKube;
  log: (line: string) => void;
  write?: (text: string) => void;
  now?: () => Date;
  random?: () => number;
  /** Resolves when the agent should stop (SIGTERM). */
  stopped?: Promise<void>;
}

export function envelopeOf(node: string, at: Date, r: CollectResult): SnapshotEnvelope {
  return {
    node,
    collectedAt: at.toISOString(),
    status: r.status,
    durationMs: r.durationMs,
    toolVersion: TOOL_VERSION,
    ...(r.status === 'ok' ? { snapshot: r.snapshot } : { error: r.error }),
  };
}

/** One collect-and-publish cycle. Returns the envelope published. */
export async function nodeCycle(o: NodeAgentOptions, d: NodeAgentDeps, owner: { name: string; uid: string } | undefined): Promise<SnapshotEnvelope> {
  const now = d.now ?? (() => new Date());
  const started = now();
  const result = await d.collector(o.request, o.timeoutMs);
  const env = envelopeOf(o.request.node, started, result);
  if (o.publish === 'stdout') {
    (d.write ?? ((t: string) => process.stdout.write(t)))(`${JSON.stringify(env)}\n`);
  } else {
    if (!d.kube) throw new Error('no Kubernetes client to publish with');
    const cm = envelopeToConfigMap(env, o.namespace, owner);
    await d.kube.applyConfigMap(cm);
    d.log(`published ConfigMap ${o.namespace}/${cm.metadata.name} (${env.status}${env.error ? `: ${env.error}` : ''}; collected in ${result.durationMs} ms)`);
  }
  return env;
}

const sleep = (ms: number, stopped: Promise<void>): Promise<boolean> =>
  new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    void stopped.then(() => {
      clearTimeout(t);
      resolve(true);
    });
  });

/** Run until stopped (or one cycle with `once`). Returns the last envelope's status. */
export async function runNodeAgent(o: NodeAgentOptions, d: NodeAgentDeps): Promise<'ok' | 'timeout' | 'error' | 'publish-failed'> {
  const random = d.random ?? Math.random;
  const stopped = d.stopped ?? new Promise<void>(() => undefined);
  // The Node owns the snapshot, so that deleting the node deletes it. A lookup that fails (the API out
  // of reach as the pod starts) is tried again before each publish until it answers.
  let owner: { name: string; uid: string } | undefined;
  let ownerKnown = !(o.publish === 'configmap' && d.kube);
  const lookUpOwner = async (): Promise<void> => {
    if (ownerKnown) return;
    try {
      const uid = await d.kube!.getNodeUid(o.request.node);
      ownerKnown = true;
      if (uid) owner = { name: o.request.node, uid };
      else d.log(`no Node named ${o.request.node} in the cluster: publishing without an owner (check --node-name / spec.nodeName)`);
    } catch (e) {
      d.log(`cannot read Node ${o.request.node} (${(e as Error).message}): publishing without an owner for now; trying again before the next publish`);
    }
  };
  // A DaemonSet rollout starts every node's agent at once: spread the first writes too (at most a minute).
  if (!o.once && o.jitter > 0 && (await sleep(Math.round(random() * Math.min(60_000, o.jitter * o.intervalMs)), stopped))) return 'ok';
  let last: 'ok' | 'timeout' | 'error' | 'publish-failed' = 'ok';
  // Publishing already retries for a minute; an outage beyond that is tried again well before the
  // next interval (an hour by default), so the node does not count as missing for a whole period.
  let failures = 0;
  for (;;) {
    let wait = o.intervalMs + Math.round(random() * o.jitter * o.intervalMs);
    try {
      await lookUpOwner();
      last = (await nodeCycle(o, d, owner)).status;
      failures = 0;
    } catch (e) {
      last = 'publish-failed';
      const retry = Math.min(o.intervalMs, (o.publishRetryMs ?? 30_000) * 2 ** failures++);
      if (retry < wait) wait = retry;
      d.log(`publishing failed: ${(e as Error).message}${o.once ? '' : `; trying again in ${formatSeconds(wait)}`}`);
    }
    if (o.once) return last;
    if (await sleep(wait, stopped)) return last;
  }
}

const formatSeconds = (ms: number): string => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);
