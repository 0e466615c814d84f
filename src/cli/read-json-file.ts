import fs from 'node:fs';
import { inputError } from '../errors/rke-harden-error.js';

/**
 * A JSON file a command reads back (a saved scan report, a fact snapshot), parsed but not yet
 * checked: every way it can be unusable is one input error naming the file.
 */
export function readJsonFile(file: string, what: string, maxBytes: number): unknown {
  const cannotRead = (e: unknown) => inputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw cannotRead(e);
  }
  if (stat.isDirectory()) throw inputError(`${file}: is a directory`);
  if (stat.size > maxBytes) throw inputError(`${file}: too large for ${what} (${stat.size} bytes)`);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw cannotRead(e);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw inputError(`${file}: not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}
