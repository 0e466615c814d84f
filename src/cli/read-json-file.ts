import { inputError } from '../errors/rke-harden-error.js';
import { readTextFile } from '../read-text-file.js';

/** `file:line:column` of a character offset in text (JSON.parse names offsets only). */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `${before.length}:${before.at(-1)!.length + 1}`;
}

/**
 * A JSON file a command reads back (a saved scan report, a fact snapshot), parsed but not yet
 * checked: every way it can be unusable is one input error naming the file, and line:column when
 * the text is not JSON. A UTF-8 byte order mark (editors on Windows add one) is not an error. `-` reads
 * standard input.
 */
export function readJsonFile(file: string, what: string, maxBytes: number): unknown {
  const text = readTextFile(file, maxBytes, (size) => `too large for ${what} (${size} bytes)`).replace(/^\uFEFF/, '');
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]!;
    const position = /at position (\d+)/.exec(message)?.[1];
    const offset = position !== undefined ? Number(position) : /^Unexpected end/.test(message) && text.trim() ? text.length : undefined;
    const at = offset === undefined ? '' : `:${lineColumn(text, offset)}`;
    throw inputError(`${file}${at}: not JSON: ${message.replace(/ at position \d+.*$/, '').replace(/ in JSON$/, '')}`);
  }
}
