/**
 * A FactSnapshot saved as JSON (`audit node|cluster --snapshot-out FILE`) and read back (`audit
 * snapshot FILE`): what a node or cluster showed, evaluated again offline, on another machine or by a
 * newer rke-harden. Secret values never enter a snapshot (collectors redact them), so it can be
 * attached to a bug report.
 */
import { assertSnapshot, EnvelopeError } from '../agent/snapshot-envelope.js';
import { inputError } from '../errors/rke-harden-error.js';
import type { FactSnapshot } from '../model/fact.js';
import { emit } from './output.js';
import { readJsonFile } from './read-json-file.js';
import { TOOL_VERSION } from '../version.js';

/** Far larger than a real snapshot (a cluster's holds reduced objects only): a bigger file is not one. */
const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/** Write the snapshot atomically (a reader never sees half a file). */
export function writeSnapshotFile(snapshot: FactSnapshot, file: string): void {
  emit(`${JSON.stringify({ ...snapshot, collectedBy: TOOL_VERSION }, null, 1)}\n`, file);
}

export function readSnapshotFile(file: string): FactSnapshot {
  const value = readJsonFile(file, 'a fact snapshot', MAX_SNAPSHOT_BYTES);
  try {
    return assertSnapshot(value, file);
  } catch (e) {
    if (e instanceof EnvelopeError) throw inputError(`not a fact snapshot: ${e.message}`);
    throw e;
  }
}
