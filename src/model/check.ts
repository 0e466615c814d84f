import * as z from 'zod';

/** Operators of a leaf assertion. Semantics live in src/engine/operators.ts. */
export const OPERATORS = [
  'eq', 'notEq', 'in', 'notIn', 'has', 'notHas', 'validElements',
  'gte', 'lte', 'gt', 'durationNotZero', 'durationGte',
  'modeAtMost', 'ownedBy', 'set', 'notSet', 'matches', 'notMatches', 'semverGte',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const COMPONENTS = [
  'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'etcd', 'kubelet', 'kube-proxy',
  'host', 'cluster', 'cni',
] as const;
export type Component = (typeof COMPONENTS)[number];

function buildLeafSchema() {
  const scalar = z.union([z.string(), z.number(), z.boolean()]);

  const LeafSchema = z.strictObject({
    fact: z.string().min(1),
    op: z.enum(OPERATORS),
    value: z.union([scalar, z.array(scalar)]).optional(),
    /** Compare with another fact's value instead of a literal (missing other fact → leaf missing). */
    valueFact: z.string().optional(),
    /** The component's own default when the fact is absent; evidence then says source=default. */
    default: z.string().optional(),
    /** Name of the default, for provenance, e.g. "kube-apiserver built-in default". */
    defaultFrom: z.string().optional(),
    /** Outcome of this leaf when the fact is absent and there is no default. */
    ifMissing: z.enum(['pass', 'fail']).optional(),
  });
  return { scalar, LeafSchema };
}
export type Leaf = z.infer<ReturnType<typeof buildLeafSchema>['LeafSchema']>;
export type Assertion = Leaf | { all: Assertion[] } | { any: Assertion[] } | { not: Assertion };

/**
 * The schemas of check.yaml and cases.yaml, built on first use: only the YAML catalog (tests, a checkout
 * without a build) validates with them, and building them cost every start of the CLI ~15 ms.
 */
function buildCheckSchemas() {
  const { scalar, LeafSchema } = buildLeafSchema();

  const AssertionSchema: z.ZodType<Assertion> = z.lazy(() =>
    z.union([
      LeafSchema,
      z.strictObject({ all: z.array(AssertionSchema).min(1) }),
      z.strictObject({ any: z.array(AssertionSchema).min(1) }),
      z.strictObject({ not: AssertionSchema }),
    ]),
  );

  const ConfigChangeSchema = z.strictObject({
    /** Dotted key in cluster.yml (rke1) or a top-level config.yaml key (rke2). */
    key: z.string(),
    /** Scalar value to set at key. */
    value: z.union([scalar, z.record(z.string(), z.unknown())]).optional(),
    /** For list keys such as kube-apiserver-arg: the item to add. */
    append: z.string().optional(),
  });

  const DistroRemediationSchema = z.strictObject({
    text: z.string().min(1),
    changes: z.array(ConfigChangeSchema).optional(),
  });

  const CisRefSchema = z.strictObject({
    /** CIS group the title belongs to, e.g. "1.2" or "4.2": titles repeat across components. */
    group: z.string(),
    title: z.string(),
    /**
     * Only these profiles bind the title to this check: CIS sometimes changes what a recommendation
     * accepts without changing its title (1.12 narrowed the cipher lists). A ref without profiles binds
     * the title in every other profile.
     */
    profiles: z.array(z.string()).optional(),
  });

  const CheckSchema = z
    .strictObject({
      id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'kebab-case'),
      title: z.string().min(1),
      component: z.enum(COMPONENTS),
      /** Target kinds whose facts decide this check; others report manual, naming who decides. */
      decidedBy: z.array(z.enum(['config', 'node', 'cluster'])).min(1),
      severity: z.enum(['high', 'medium', 'low']),
      rationale: z.string().min(1),
      assert: AssertionSchema.optional(),
      /** A TS evaluator registered under this name (src/engine/evaluators), for logic beyond operators. */
      evaluator: z.string().optional(),
      onMissing: z.strictObject({
        status: z.enum(['pass', 'fail', 'manual', 'notApplicable']),
        reason: z.string().min(1),
      }),
      /**
       * CIS's "if the file exists" checks: a file the check reads that is there is judged even when its
       * component does not run (kube-proxy replaced by the CNI, its kubeconfig with credentials left).
       */
      whileFileExists: z.boolean().optional(),
      remediation: z.strictObject({
        rke1: DistroRemediationSchema,
        rke2: DistroRemediationSchema,
      }),
      /** The CIS recommendation titles this check implements (the importer binds controls by them). */
      cis: z.array(CisRefSchema).default([]),
    })
    .refine((c) => (c.assert ? !c.evaluator : !!c.evaluator), {
      message: 'a check has exactly one of assert or evaluator',
    });

  const CaseSchema = z.strictObject({
    name: z.string(),
    distro: z.enum(['rke1', 'rke2']).optional(),
    target: z.enum(['config', 'node', 'cluster']).optional(),
    facts: z.record(z.string(), z.unknown()),
    absent: z.record(z.string(), z.string()).optional(),
    expect: z.enum(['pass', 'fail', 'manual', 'notApplicable', 'error']),
    /** Marks the case that covers absent facts (meta-test: every check has one). */
    missing: z.boolean().optional(),
  });
  const CasesSchema = z.array(CaseSchema).min(3);
  return { AssertionSchema, CisRefSchema, CheckSchema, CaseSchema, CasesSchema };
}

let checkSchemasBuilt: ReturnType<typeof buildCheckSchemas> | undefined;
export const checkSchemas = (): ReturnType<typeof buildCheckSchemas> => (checkSchemasBuilt ??= buildCheckSchemas());

type Schemas = ReturnType<typeof buildCheckSchemas>;
export type Check = z.infer<Schemas['CheckSchema']>;
export type Case = z.infer<Schemas['CaseSchema']>;
