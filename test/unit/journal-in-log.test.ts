import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { framedJournal, journalFileFor, journalInLog } from '../../src/remediation/journal-in-log.js';
import { tempTree } from '../support/temp-files.js';

const JOURNAL = '{"type":"journal","n":1}\n{"type":"run","run":1}\n';

describe('a journal carried in a log (harden cluster --print-journal)', () => {
  it('is found between its markers, whatever the log holds around it (CRLF too)', () => {
    const log = `harden cluster: …\r\nWritten: 3 applied\n${framedJournal(JOURNAL).replace(/\n/g, '\r\n')}trailing\n`;
    expect(journalInLog(log, 'x.log')).toBe(JOURNAL);
    expect(journalInLog('{"type":"journal"}\n', 'j.jsonl')).toBeUndefined(); // a journal file itself
  });

  it('two journals or a cut-short log are input errors naming the file', () => {
    expect(() => journalInLog(framedJournal(JOURNAL) + framedJournal(JOURNAL), 'two.log')).toThrow('two.log: holds 2 journals (one per harden run): cut out the one to roll back');
    expect(() => journalInLog(`x\n${framedJournal(JOURNAL).split('-----END')[0]}`, 'cut.log')).toThrow(/^cut\.log:2: the journal has no end line/);
  });

  it('rollback works on <log>.journal.jsonl: written once, continued after, refused when it is another journal', () => {
    const dir = tempTree({ 'job.log': `log line\n${framedJournal(JOURNAL)}`, 'plain.jsonl': JOURNAL });
    const log = path.join(dir, 'job.log');
    expect(journalFileFor(path.join(dir, 'plain.jsonl'))).toEqual({ file: path.join(dir, 'plain.jsonl') });
    const first = journalFileFor(log);
    expect(first).toEqual({ file: `${log}.journal.jsonl`, note: `the journal in ${log}, extracted to ${log}.journal.jsonl (rollback records its progress there)` });
    expect(fs.readFileSync(first.file, 'utf8')).toBe(JOURNAL);
    expect(fs.statSync(first.file).mode & 0o777).toBe(0o600);
    fs.appendFileSync(first.file, '{"type":"revert","seq":1}\n'); // an earlier rollback's progress is kept
    expect(journalFileFor(log).note).toBe(`the journal in ${log}, continued in ${log}.journal.jsonl`);
    expect(fs.readFileSync(first.file, 'utf8')).toContain('revert');
    fs.writeFileSync(first.file, '{"type":"journal","n":2}\n');
    expect(() => journalFileFor(log)).toThrow(`${log}.journal.jsonl: exists and is not the journal in ${log}; move it away`);
  });
});
