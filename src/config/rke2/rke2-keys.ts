/** config.yaml keys RKE2 server/agent accept (rke2 and k3s CLI flags), for unknown-key warnings. */
export const RKE2_KEYS = [
  'config', 'debug', 'data-dir', 'token', 'token-file', 'agent-token', 'agent-token-file', 'server', 'node-name',
  'node-label', 'node-taint', 'node-ip', 'node-external-ip', 'node-internal-dns', 'node-external-dns', 'bind-address',
  'advertise-address', 'tls-san', 'tls-san-security', 'write-kubeconfig', 'write-kubeconfig-mode',
  'write-kubeconfig-group', 'cluster-cidr', 'service-cidr', 'service-node-port-range', 'cluster-dns',
  'cluster-domain', 'egress-selector-mode', 'servicelb-namespace', 'profile', 'protect-kernel-defaults',
  'secrets-encryption', 'secrets-encryption-provider', 'audit-policy-file', 'pod-security-admission-config-file',
  'cni', 'disable', 'disable-scheduler', 'disable-cloud-controller', 'disable-kube-proxy', 'disable-etcd',
  'disable-apiserver', 'disable-controller-manager', 'enable-servicelb', 'embedded-registry', 'supervisor-metrics',
  'cloud-provider-name', 'cloud-provider-config', 'selinux', 'lb-server-port', 'resolv-conf', 'private-registry',
  'system-default-registry', 'image-credential-provider-bin-dir', 'image-credential-provider-config',
  'container-runtime-endpoint', 'snapshotter', 'pause-image', 'runtime-image', 'kubelet-path', 'cluster-reset',
  'cluster-reset-restore-path', 'cluster-init', 'datastore-endpoint', 'datastore-cafile', 'datastore-certfile',
  'datastore-keyfile', 'etcd-expose-metrics', 'etcd-disable-snapshots', 'etcd-snapshot-name',
  'etcd-snapshot-schedule-cron', 'etcd-snapshot-retention', 'etcd-snapshot-dir', 'etcd-snapshot-compress',
  'etcd-s3', 'etcd-s3-endpoint', 'etcd-s3-endpoint-ca', 'etcd-s3-skip-ssl-verify', 'etcd-s3-access-key',
  'etcd-s3-secret-key', 'etcd-s3-bucket', 'etcd-s3-region', 'etcd-s3-folder', 'etcd-s3-insecure',
  'etcd-s3-timeout', 'etcd-s3-proxy', 'etcd-s3-config-secret', 'etcd-arg', 'etcd-image', 'etcd-extra-mount',
  'etcd-extra-env', 'kube-apiserver-arg', 'kube-apiserver-image', 'kube-apiserver-extra-mount',
  'kube-apiserver-extra-env', 'kube-controller-manager-arg', 'kube-controller-manager-image',
  'kube-controller-manager-extra-mount', 'kube-controller-manager-extra-env', 'kube-scheduler-arg',
  'kube-scheduler-image', 'kube-scheduler-extra-mount', 'kube-scheduler-extra-env',
  'kube-cloud-controller-manager-arg', 'cloud-controller-manager-extra-mount', 'cloud-controller-manager-extra-env',
  'kubelet-arg', 'kube-proxy-arg', 'kube-proxy-extra-mount', 'kube-proxy-extra-env', 'enable-pprof',
  'helm-job-image', 'ingress-controller', 'node-name-from-cloud-provider-metadata', 'airgap-extra-registry',
  'vpn-auth', 'vpn-auth-file', 'flannel-backend', 'flannel-iface', 'flannel-ipv6-masq', 'kube-cloud-controller-manager-image',
  'with-node-id', 'default-runtime', 'disable-default-registry-endpoint', 'nonroot-devices', 'image-service-endpoint',
  'control-plane-resource-requests', 'control-plane-resource-limits', 'control-plane-probe-configuration',
  'kube-apiserver-arg', 'kubelet-arg', 'etcd-s3-bucket-lookup-type', 'etcd-s3-retention', 'etcd-s3-session-token',
  'etcd-snapshot-reconcile-interval', 'helm-controller-arg', 'write-kubeconfig-name',
  // accepted, hidden from --help
  'v', 'vmodule', 'log', 'alsologtostderr', 'disable-agent',
];

export const KNOWN_KEYS: ReadonlySet<string> = new Set(RKE2_KEYS);

/** Component of each *-arg key. */
export const ARG_KEYS: Record<string, string> = {
  'kube-apiserver-arg': 'kube-apiserver',
  'kube-controller-manager-arg': 'kube-controller-manager',
  'kube-scheduler-arg': 'kube-scheduler',
  'kubelet-arg': 'kubelet',
  'kube-proxy-arg': 'kube-proxy',
  'etcd-arg': 'etcd',
};
