/**
 * A FactSnapshot saved as JSON (`audit node|cluster --snapshot-out FILE`) and read back (`audit
 * snapshot FILE`): what a node or cluster showed, evaluated again offline, on another machine or by a
 * newer rke-harden. Secret values never enter a snapshot (collectors redact them), so it can be
 * attached to a bug report.
 */
import fs from 'node:fs';
import { assertSnapshot, EnvelopeError } from '../agent/snapshot-envelope.js';
import { inputError } from '../errors/rke-harden-error.js';
import type { FactSnapshot } from '../model/fact.js';
import { emit } from './output.js';

/** Larger than any real snapshot (a 10k-namespace cluster's is ~10 MB): a bigger file is not one. */
const MAX_SNAPSHOT_BYTES = 256 * 1024 * 1024;

/** Write the snapshot atomically (a reader never sees half a file). */
export function writeSnapshotFile(snapshot: FactSnapshot, file: string): void {
  emit(`${JSON.stringify(snapshot, null, 1)}\n`, file);
}

export function readSnapshotFile(file: string): FactSnapshot {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) throw inputError(`${file}: is a directory`);
    if (stat.size > MAX_SNAPSHOT_BYTES) throw inputError(`${file}: too large for a fact snapshot (${stat.size} bytes)`);
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e instanceof Error && e.name === 'RkeHardenError') throw e;
    throw inputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw inputError(`${file}: not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    return assertSnapshot(value, file);
  } catch (e) {
    if (e instanceof EnvelopeError) throw inputError(`not a fact snapshot: ${e.message}`);
    throw e;
  }
}
