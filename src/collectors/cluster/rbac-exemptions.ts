/**
 * RBAC objects a distro creates for its own components (distros/<distro>/exemptions-rbac.yaml): their
 * grants and wildcards are reported as exempt, like Kubernetes' bootstrap RBAC.
 */
import path from 'node:path';
import * as z from 'zod';
import { dataDir } from '../../catalog/paths.js';
import { readPackageYaml } from '../../catalog/package-yaml.js';
import { clusterFactSchemas } from '../../engine/evaluators/cluster/cluster-facts.js';
import type { Distro } from '../../model/status.js';

// Built on first use, as the cluster facts' schemas are.
const buildFileSchema = () => {
  const { ExemptSubjectSchema, ExemptBindingSchema } = clusterFactSchemas();
  return z.strictObject({
    subjects: z.array(ExemptSubjectSchema).default([]),
    bindings: z.array(ExemptBindingSchema).default([]),
    clusterRoles: z.array(z.strictObject({ name: z.string(), reason: z.string() })).default([]),
  });
};
let fileSchema: ReturnType<typeof buildFileSchema> | undefined;
export type RbacExemptions = z.infer<ReturnType<typeof buildFileSchema>>;

export function rbacExemptions(distro: Distro): RbacExemptions {
  const file = path.join(dataDir('distros'), distro, 'exemptions-rbac.yaml');
  return (fileSchema ??= buildFileSchema()).parse(readPackageYaml(file));
}
