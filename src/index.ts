// rke-harden as a library: the same functions the CLI runs.
export { auditConfig } from './cli/audit-config-command.js';
export { auditNode } from './cli/audit-node-command.js';
export { auditCluster } from './cli/audit-cluster-command.js';
export { auditTargets } from './cli/audit-targets-command.js';
export { hardenConfig, writeHardenedConfig } from './harden-config/harden-config.js';
export { upgradeCheck } from './upgrade/upgrade-check.js';
export { loadCatalog } from './catalog/load-catalog.js';
export { selectBenchmark, resolveBenchmarkId } from './catalog/select-benchmark.js';
export { evaluateCheck } from './engine/evaluate-check.js';
export { evaluateBenchmark } from './engine/evaluate-benchmark.js';
export { loadConfigTargets } from './config/load-config-targets.js';
export { RkeHardenError } from './errors/rke-harden-error.js';
export type { ScanRun, ControlResult, Evidence } from './model/result.js';
export type { Fact, FactSnapshot } from './model/fact.js';
export type { Check } from './model/check.js';
export type { Benchmark, Control } from './model/benchmark.js';
export type { Status } from './model/status.js';
