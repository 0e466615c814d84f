/**
 * RBAC objects a distro creates for its own components (distros/<distro>/exemptions-rbac.yaml): their
 * grants and wildcards are reported as exempt, like Kubernetes' bootstrap RBAC.
 */
import path from 'node:path';
import * as z from 'zod';
import { dataDir } from '../../catalog/paths.js';
import { readPackageYaml } from '../../catalog/package-yaml.js';
import { ExemptBindingSchema, ExemptSubjectSchema } from '../../engine/evaluators/cluster/cluster-facts.js';
import type { Distro } from '../../model/status.js';

const FileSchema = z.strictObject({
  subjects: z.array(ExemptSubjectSchema).default([]),
  bindings: z.array(ExemptBindingSchema).default([]),
  clusterRoles: z.array(z.strictObject({ name: z.string(), reason: z.string() })).default([]),
});
export type RbacExemptions = z.infer<typeof FileSchema>;

export function rbacExemptions(distro: Distro): RbacExemptions {
  const file = path.join(dataDir('distros'), distro, 'exemptions-rbac.yaml');
  return FileSchema.parse(readPackageYaml(file));
}
