import fs from 'node:fs';
import { inputError, RkeHardenError } from './errors/rke-harden-error.js';
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
  // A named pipe found in a directory would wait for a writer for ever; one the shell made (`<(…)`) is read.
  if (stat.isFIFO() && !/^\/dev\/stdin$|^\/(?:dev|proc\/(?:self|\d+))\/fd\/\d+$/.test(file)) throw inputError(`${file}: a named pipe, not a file`);
  if (stat.size > maxBytes) throw inputError(`${file}: ${tooLarge(stat.size)}`);
  try {
    // A pipe (`report <(…)`) or device has no size to check first: it is read up to the limit.
    const text = stat.isFile() ? fs.readFileSync(file, 'utf8') : readBounded(file, maxBytes, tooLarge);
    noteFileRead(file);
    return text;
  } catch (e) {
    if (e instanceof RkeHardenError) throw e;
    throw cannotRead(e);
  }
}

function readBounded(file: string, maxBytes: number, tooLarge: (size: number) => string): string {
  const fd = fs.openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024);
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks).toString('utf8');
      total += n;
      if (total > maxBytes) throw inputError(`${file}: ${tooLarge(total)}`);
      chunks.push(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
}
