import fs from 'node:fs';
import { inputError } from './errors/rke-harden-error.js';
import { noteFileRead } from './files-read.js';

/**
 * The text of a file a command was pointed at, bounded in size: a missing or unreadable file, a
 * directory, or one over maxBytes is one input error naming it (`tooLarge` words that one).
 */
export function readTextFile(file: string, maxBytes: number, tooLarge: (size: number) => string): string {
  const cannotRead = (e: unknown) => inputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (e) {
    throw cannotRead(e);
  }
  if (stat.isDirectory()) throw inputError(`${file}: is a directory`);
  if (stat.size > maxBytes) throw inputError(`${file}: ${tooLarge(stat.size)}`);
  try {
    const text = fs.readFileSync(file, 'utf8');
    noteFileRead(file);
    return text;
  } catch (e) {
    throw cannotRead(e);
  }
}
