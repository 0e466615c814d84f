import * as z from 'zod';

export const NODE_TYPES = ['master', 'etcd', 'controlplane', 'node', 'policies'] as const;

/** The schemas of a profile file, built on first use (only the YAML catalog validates with them; see model/check.ts). */
function buildProfileSchemas() {
  const ControlSchema = z
    .strictObject({
      id: z.string().regex(/^\d+(\.\d+)*$/),
      title: z.string().min(1),
      section: z.string(),
      /** Upstream target file (master, etcd, controlplane, node, policies). */
      type: z.enum(NODE_TYPES),
      scored: z.boolean(),
      /** CIS designation from the title: automated or manual. */
      automation: z.enum(['automated', 'manual']),
      check: z.string().optional(),
      /** No check can decide it: always reported manual with this reason. */
      manual: z.string().optional(),
      /** The profile accepts this control as not applicable (Rancher's `skip`), with the reason. */
      notApplicable: z.string().optional(),
    })
    .refine((c) => [c.check, c.manual, c.notApplicable].filter((x) => x !== undefined).length === 1, {
      message: 'a control has exactly one of check, manual or notApplicable',
    });

  const ControlOverrideSchema = z.strictObject({
    id: z.string(),
    title: z.string().optional(),
    section: z.string().optional(),
    type: z.enum(NODE_TYPES).optional(),
    scored: z.boolean().optional(),
    automation: z.enum(['automated', 'manual']).optional(),
    check: z.string().optional(),
    manual: z.string().optional(),
    notApplicable: z.string().optional(),
  });

  const ProfileFileSchema = z.strictObject({
    id: z.string(),
    distro: z.enum(['rke1', 'rke2']),
    cisVersion: z.string(),
    variant: z.enum(['hardened', 'permissive', 'default']),
    description: z.string(),
    extends: z.string().optional(),
    /** Full control list (base profiles only). */
    controls: z.array(ControlSchema).optional(),
    /** Overlay: replace fields of inherited controls, add controls, remove controls. */
    override: z.array(ControlOverrideSchema).optional(),
    add: z.array(ControlSchema).optional(),
    remove: z.array(z.string()).optional(),
    /** Which distro Kubernetes versions select this profile by default (inclusive minors). */
    selects: z.strictObject({ minK8s: z.string(), maxK8s: z.string().optional() }).optional(),
    sectionTitles: z.record(z.string(), z.string()).optional(),
  });
  return { ControlSchema, ProfileFileSchema };
}

let profileSchemasBuilt: ReturnType<typeof buildProfileSchemas> | undefined;
export const profileSchemas = (): ReturnType<typeof buildProfileSchemas> => (profileSchemasBuilt ??= buildProfileSchemas());
export type Control = z.infer<ReturnType<typeof buildProfileSchemas>['ControlSchema']>;
export type ProfileFile = z.infer<ReturnType<typeof buildProfileSchemas>['ProfileFileSchema']>;

export interface Benchmark {
  id: string;
  distro: 'rke1' | 'rke2';
  cisVersion: string;
  variant: 'hardened' | 'permissive' | 'default';
  description: string;
  controls: Control[];
  sectionTitles: Record<string, string>;
  selects?: { minK8s: string; maxK8s?: string };
}
