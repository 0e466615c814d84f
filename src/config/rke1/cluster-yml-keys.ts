/** Keys RKE1 knows, for unknown-key warnings (rancher/rke types/rke_types.go, both spellings). */
export const RKE1_TOP_KEYS = [
  'nodes', 'services', 'network', 'authentication', 'addons', 'addons_include', 'system_images', 'ssh_key_path',
  'ssh_cert_path', 'ssh_agent_auth', 'authorization', 'ignore_docker_version', 'enable_cri_dockerd',
  'kubernetes_version', 'private_registries', 'ingress', 'cluster_name', 'cloud_provider', 'prefix_path',
  'win_prefix_path', 'addon_job_timeout', 'bastion_host', 'monitoring', 'restore', 'rotate_certificates', 'dns',
  'upgrade_strategy', 'rotate_encryption_key', 'docker_root_dir', 'enable_network_policy',
];

/** Keys of a Rancher v3 cluster object that wraps RKE1's config in rancher_kubernetes_engine_config. */
export const RANCHER_WRAPPER_KEYS = [
  'rancher_kubernetes_engine_config', 'name', 'docker_root_dir', 'enable_cluster_alerting',
  'enable_cluster_monitoring', 'enable_network_policy', 'local_cluster_auth_endpoint',
  'default_pod_security_admission_configuration_template_name', 'default_pod_security_policy_template_id',
  'default_cluster_role_for_project_members', 'fleet_agent_deployment_customization',
  'cluster_agent_deployment_customization', 'agent_env_vars', 'description', 'labels', 'annotations',
  'windows_prefered_cluster', 'cluster_template_revision_id', 'cluster_template_id', 'answers',
  'scheduled_cluster_scan', 'enable_cluster_istio', 'istio_enabled',
];

const COMMON_SERVICE_KEYS = ['image', 'extra_args', 'extra_args_array', 'extra_binds', 'extra_env', 'win_extra_args', 'win_extra_args_array', 'win_extra_binds', 'win_extra_env'];

/**
 * Service sections: our component name → cluster.yml spellings and the keys each knows. The first
 * spelling is the one `rke up` reads (its YAML tags: kube-api, kube-controller, kubeproxy); the others
 * are Rancher API spellings, read only inside rancher_kubernetes_engine_config.
 */
export const RKE1_SERVICES: Record<string, { spellings: string[]; keys: string[] }> = {
  'kube-apiserver': {
    spellings: ['kube-api', 'kube_api'],
    keys: [...COMMON_SERVICE_KEYS, 'service_cluster_ip_range', 'service_node_port_range', 'pod_security_policy',
      'pod_security_configuration', 'always_pull_images', 'secrets_encryption_config', 'audit_log',
      'admission_configuration', 'event_rate_limit'],
  },
  'kube-controller-manager': {
    spellings: ['kube-controller', 'kube_controller'],
    keys: [...COMMON_SERVICE_KEYS, 'cluster_cidr', 'service_cluster_ip_range'],
  },
  'kube-scheduler': { spellings: ['scheduler'], keys: COMMON_SERVICE_KEYS },
  kubelet: {
    spellings: ['kubelet'],
    keys: [...COMMON_SERVICE_KEYS, 'cluster_domain', 'infra_container_image', 'cluster_dns_server', 'fail_swap_on', 'generate_serving_certificate'],
  },
  'kube-proxy': { spellings: ['kubeproxy', 'kube-proxy', 'kube_proxy'], keys: COMMON_SERVICE_KEYS },
  etcd: {
    spellings: ['etcd'],
    keys: [...COMMON_SERVICE_KEYS, 'external_urls', 'ca_cert', 'cert', 'key', 'path', 'uid', 'gid', 'snapshot',
      'retention', 'creation', 'backup_config'],
  },
};

/** The spellings of a service section the file's reader takes: `rke up` its own only, Rancher all of them. */
export function serviceSpellings(component: string, wrapped: boolean): string[] {
  const spellings = RKE1_SERVICES[component]!.spellings;
  return wrapped ? spellings : spellings.slice(0, 1);
}

/**
 * Service sections a plain cluster.yml spells as Rancher's API does (services.kube_api): `rke up` parses
 * with its YAML tags only and drops them without a word. Each with the spelling it reads.
 */
export function sectionsRkeUpIgnores(services: Record<string, unknown>, wrapped: boolean): { component: string; spelling: string; rkeReads: string }[] {
  if (wrapped) return [];
  return Object.entries(RKE1_SERVICES).flatMap(([component, { spellings }]) =>
    spellings.slice(1).filter((s) => services[s] !== undefined).map((spelling) => ({ component, spelling, rkeReads: spellings[0]! })));
}
