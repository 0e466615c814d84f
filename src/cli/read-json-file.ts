import { inputError } from '../errors/rke-harden-error.js';
import { readTextFile } from '../read-text-file.js';

/**
 * A JSON file a command reads back (a saved scan report, a fact snapshot), parsed but not yet
 * checked: every way it can be unusable is one input error naming the file.
 */
export function readJsonFile(file: string, what: string, maxBytes: number): unknown {
  const text = readTextFile(file, maxBytes, (size) => `too large for ${what} (${size} bytes)`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw inputError(`${file}: not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}
