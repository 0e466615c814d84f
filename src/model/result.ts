import type { FactSource, Location } from './fact.js';
import type { Status } from './status.js';

export interface Evidence {
  fact: string;
  observed?: string;
  expected?: string;
  source?: FactSource;
  layer?: string;
  location?: Location;
  /** Whether this fact met its expectation (absent when it could not be judged): a failing result lists those that did not first. */
  holds?: boolean;
}

export interface ControlResult {
  controlId: string;
  checkId?: string;
  /** The check's severity (high, medium, low): how much a failure of it exposes; absent without a check. */
  severity?: 'high' | 'medium' | 'low';
  title: string;
  section: string;
  scored: boolean;
  status: Status;
  target: string;
  evidence: Evidence[];
  reason?: string;
  remediation?: string;
  /**
   * The waiver that accepted this result: its entry in the waivers file (location), and the status it
   * accepted (what the result is again once the waiver expires). Both absent in scans saved before they were recorded.
   */
  /** The waiver that matched: the check or control it names, why, whose, until when, and where it is written. */
  waiver?: { check?: string; control?: string; reason: string; owner: string; expires: string; status?: 'fail' | 'manual'; location?: Location };
  /** Set when a report mixes benchmarks (targets of different distros or versions). */
  benchmark?: string;
}

export interface ScanRun {
  schemaVersion: '1';
  tool: { name: 'rke-harden'; version: string };
  benchmark: BenchmarkRef;
  benchmarks: BenchmarkRef[];
  /** k8sVersionFrom: where the version was read, when a collector found it (a kubelet binary, an image tag). */
  targets: { kind: 'config' | 'node' | 'cluster' | 'snapshot'; name: string; benchmark: string; k8sVersion?: string; k8sVersionFrom?: string }[];
  results: ControlResult[];
  summary: Record<Status, number>;
  warnings: string[];
  startedAt: string;
  finishedAt: string;
}

export interface BenchmarkRef {
  id: string;
  distro: 'rke1' | 'rke2';
  cisVersion: string;
}
