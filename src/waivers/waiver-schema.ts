import * as z from 'zod';

/** A calendar date, YYYY-MM-DD, that exists (2026-02-30 does not). */
export const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isCalendarDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** "x is required" for a missing key, "x must be <kind>" for a value of the wrong type. */
const required = (what: string, kind: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? `${what} is required` : `${what} must be ${kind}`;

const text = (what: string) => z.string({ error: required(what, 'a string') }).trim().min(1, `${what} must not be empty`);

const entry = {
  /** A CIS control id; control ids differ between benchmark versions, so pin `benchmark` when that matters. */
  control: z
    .string({ error: required('control', 'a string such as "1.2.9" (quote it: YAML reads 1.2 as a number)') })
    .regex(/^\d+(\.\d+)*$/, 'control must be a CIS control id such as "1.2.9"')
    .optional(),
  /** A check id (stable across benchmark versions). */
  check: z
    .string({ error: required('check', 'a check id') })
    .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'check must be a kebab-case check id')
    .optional(),
  /** Glob over benchmark ids (optional). */
  benchmark: text('benchmark').optional(),
  /** Glob over target names (file paths, node names, cluster contexts); "**" for every target. */
  target: text('target'),
  reason: text('reason'),
  owner: text('owner'),
  /** Last day (UTC) on which the waiver applies. */
  expires: z
    .string({ error: required('expires', 'a date YYYY-MM-DD') })
    .refine(isCalendarDate, 'expires must be a date YYYY-MM-DD that exists'),
};

export const WaiverSchema = z
  .strictObject(entry, { error: 'a waiver is a map of control or check, target, reason, owner and expires' })
  .refine((w) => (w.control === undefined) !== (w.check === undefined), {
    message: 'a waiver names exactly one of control or check',
    // Said beside the entry's other errors (a missing owner), not only once they are fixed.
    when: ({ value }) => typeof value === 'object' && value !== null,
  });

export const WaiverFileSchema = z.strictObject(
  { waivers: z.array(WaiverSchema, { error: required('waivers', 'a list of waiver entries') }) },
  { error: 'a waiver file is a map with one key, waivers: a list of entries' },
);

export type WaiverEntry = z.infer<typeof WaiverSchema>;
