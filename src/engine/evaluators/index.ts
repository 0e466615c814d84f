// Registers every TS evaluator. Each evaluator file calls registerEvaluator at import time.
import './cluster/rbac-access-checks.js';
import './cluster/rbac-wildcards.js';
import './cluster/rbac-system-masters.js';
import './cluster/default-service-accounts.js';
import './cluster/service-account-token-mounts.js';
import './cluster/pod-security-admission.js';
import './cluster/pod-rule-checks.js';
import './cluster/network-policy-coverage.js';
import './cluster/cni-network-policy-support.js';
import './cluster/secrets-as-env.js';
import './cluster/default-namespace-unused.js';
