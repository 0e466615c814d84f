import fs from 'node:fs';
import { inputError, RkeHardenError } from './errors/rke-harden-error.js';
import { noteFileRead } from './files-read.js';

/**
 * The text of a file a command was pointed at, bounded in size: a missing or unreadable file, a
 * directory, or one over maxBytes is one input error naming it (`tooLarge` words that one).
 */
export function readTextFile(file: string, maxBytes: number, tooLarge: (size: number) => string): string {
  const cannotRead = (e: unknown) => inputError(`${file}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  if (file === '-') {
    // Standard input, whatever it is (a pipe, a socket: /dev/stdin cannot be opened on one), up to the limit.
    try {
      return readBounded(0, file, maxBytes, tooLarge);
    } catch (e) {
      if (e instanceof RkeHardenError) throw e;
      throw cannotRead(e);
    }
  }
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
    const text = stat.isFile() ? fs.readFileSync(file, 'utf8') : readFileBounded(file, maxBytes, tooLarge);
    noteFileRead(file);
    return text;
  } catch (e) {
    if (e instanceof RkeHardenError) throw e;
    throw cannotRead(e);
  }
}

function readFileBounded(file: string, maxBytes: number, tooLarge: (size: number) => string): string {
  const fd = fs.openSync(file, 'r');
  try {
    return readBounded(fd, file, maxBytes, tooLarge);
  } finally {
    fs.closeSync(fd);
  }
}

function readBounded(fd: number, file: string, maxBytes: number, tooLarge: (size: number) => string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const chunk = Buffer.alloc(64 * 1024);
    let n: number;
    try {
      n = fs.readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      // A non-blocking pipe (stdin of some parents) with nothing yet: wait for the writer.
      if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
        continue;
      }
      throw e;
    }
    if (n === 0) return Buffer.concat(chunks).toString('utf8');
    total += n;
    if (total > maxBytes) throw inputError(`${file}: ${tooLarge(total)}`);
    chunks.push(chunk.subarray(0, n));
  }
}
