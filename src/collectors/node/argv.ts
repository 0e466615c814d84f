import path from 'node:path';

/** The Kubernetes components the node collector looks for in the process table. */
export const NODE_COMPONENTS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kubelet', 'kube-proxy'] as const;
export type NodeComponent = (typeof NODE_COMPONENTS)[number];

/** Names hyperkube (old RKE1 images) accepts for its sub-commands. */
const HYPERKUBE: Record<string, NodeComponent> = {
  'kube-apiserver': 'kube-apiserver', apiserver: 'kube-apiserver',
  'kube-controller-manager': 'kube-controller-manager', 'controller-manager': 'kube-controller-manager',
  'kube-scheduler': 'kube-scheduler', scheduler: 'kube-scheduler',
  kubelet: 'kubelet',
  'kube-proxy': 'kube-proxy', proxy: 'kube-proxy',
};

/**
 * Boolean flags of the components. A boolean flag never takes the next word as its value
 * (`--profiling false` is not how pflag or Go's flag package read it), so `--flag next` is only
 * read as flag + value for the others.
 */
export const BOOLEAN_FLAGS = new Set([
  // kube-apiserver
  'allow-privileged', 'anonymous-auth', 'profiling', 'contention-profiling', 'enable-bootstrap-token-auth',
  'enable-aggregator-routing', 'enable-priority-and-fairness', 'enable-garbage-collector', 'enable-logs-handler',
  'encryption-provider-config-automatic-reload', 'kubelet-https', 'service-account-lookup',
  'service-account-extend-token-expiration', 'audit-log-compress', 'permit-port-sharing', 'permit-address-sharing',
  'watch-cache',
  // kube-controller-manager / kube-scheduler
  'use-service-account-credentials', 'allocate-node-cidrs', 'configure-cloud-routes', 'enable-hostpath-provisioner',
  'allow-untagged-cloud', 'leader-elect', 'enable-dynamic-provisioning', 'enable-taint-manager',
  // kubelet
  'authentication-token-webhook', 'protect-kernel-defaults', 'make-iptables-util-chains', 'rotate-certificates',
  'rotate-server-certificates', 'seccomp-default', 'fail-swap-on', 'cgroups-per-qos', 'serialize-image-pulls',
  'enable-debugging-handlers', 'enable-server', 'register-node', 'register-schedulable', 'containerized',
  'keep-terminated-pod-volumes', 'exit-on-lock-contention', 'enable-controller-attach-detach',
  'kernel-memcg-notification', 'localstorage-capacity-isolation',
  // etcd
  'client-cert-auth', 'peer-client-cert-auth', 'auto-tls', 'peer-auto-tls', 'strict-reconfig-check', 'enable-v2',
  'enable-pprof', 'force-new-cluster', 'experimental-initial-corrupt-check', 'unsafe-no-fsync', 'debug',
  'enable-grpc-gateway', 'pre-vote', 'experimental-enable-distributed-tracing',
  // klog, shared
  'logtostderr', 'alsologtostderr', 'add-dir-header', 'skip-headers', 'skip-log-headers', 'one-output', 'version',
  'help',
  // kube-proxy
  'masquerade-all', 'cleanup', 'bind-address-hard-fail',
]);

/** A process recognised as a component, and its arguments after the program (and sub-command). */
export function identifyComponent(argv: string[]): { component: NodeComponent; args: string[] } | undefined {
  const first = argv[0];
  if (first === undefined) return undefined;
  const base = path.posix.basename(first);
  if ((NODE_COMPONENTS as readonly string[]).includes(base)) return { component: base as NodeComponent, args: argv.slice(1) };
  if (base === 'hyperkube') {
    const sub = argv[1] !== undefined ? HYPERKUBE[argv[1]] : undefined;
    if (sub) return { component: sub, args: argv.slice(2) };
  }
  return undefined;
}

export interface FlagOccurrence {
  flag: string;
  value: string;
}

/**
 * Parse arguments as pflag / Go's flag package do: `--f=v`, `-f=v`, `--f v` (unless f is boolean),
 * a bare `--f` (= "true"), repeated flags in order, and `--` ending the flags.
 */
export function parseFlags(args: string[], booleans: ReadonlySet<string> = BOOLEAN_FLAGS): { flags: FlagOccurrence[]; positional: string[] } {
  const flags: FlagOccurrence[] = [];
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      positional.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positional.push(a);
      continue;
    }
    const body = a.replace(/^--?/, '');
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags.push({ flag: body.slice(0, eq), value: body.slice(eq + 1) });
      continue;
    }
    const next = args[i + 1];
    if (next !== undefined && next !== '--' && !next.startsWith('-') && !booleans.has(body)) {
      flags.push({ flag: body, value: next });
      i++;
    } else {
      flags.push({ flag: body, value: 'true' });
    }
  }
  return { flags, positional };
}

// strconv.ParseBool, which pflag uses for boolean flags.
const PARSE_BOOL: Record<string, string> = {
  1: 'true', t: 'true', T: 'true', TRUE: 'true', true: 'true', True: 'true',
  0: 'false', f: 'false', F: 'false', FALSE: 'false', false: 'false', False: 'false',
};

/**
 * A component's flags as it reads them: parseFlags, then what the component's flag library does with
 * names and values. Kubernetes components (component-base's word-separator normaliser) read
 * `--anonymous_auth` as `--anonymous-auth`; etcd (Go's flag package) does not. A boolean flag's value
 * is whatever strconv.ParseBool accepts (`--profiling=0`, `=f`, `=F`, …), written here as true/false.
 */
export function componentFlags(component: NodeComponent, args: string[]): FlagOccurrence[] {
  return parseFlags(args).flags.map(({ flag, value }) => {
    const name = component === 'etcd' ? flag : flag.replace(/_/g, '-');
    return { flag: name, value: BOOLEAN_FLAGS.has(name) && Object.hasOwn(PARSE_BOOL, value) ? PARSE_BOOL[value]! : value };
  });
}

