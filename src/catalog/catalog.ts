import type { Benchmark } from '../model/benchmark.js';
import type { Case, Check } from '../model/check.js';

/** Checks by id, their test cases (loaded for the meta-tests only) and the resolved benchmark profiles by id. */
export interface Catalog {
  checks: Map<string, Check>;
  cases: Map<string, Case[]>;
  benchmarks: Map<string, Benchmark>;
}
