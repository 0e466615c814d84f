// A failing check with several facts: which of them failed? Each piece of evidence says whether its
// fact met the expectation, and a failing result lists those that did not first (the JUnit summary
// and the first text line are the cause, not a satisfied precondition).
import { describe, expect, it } from 'vitest';
import { auditConfig } from '../../src/cli/audit-config-command.js';

describe('evidence says which fact failed', () => {
  const { run } = auditConfig(['examples/rke1-hardened'], {});

  it('a fail lists the facts that did not hold first, each marked', () => {
    const r = run.results.find((x) => x.controlId === '2.7')!;
    expect(r.status).toBe('fail');
    expect(r.evidence.length).toBeGreaterThan(1);
    const holds = r.evidence.map((e) => e.holds);
    expect(holds).toContain(true);
    expect(holds[0]).toBe(false);
    expect(holds.indexOf(true)).toBeGreaterThan(holds.lastIndexOf(false));
  });

  it('a one-fact result: holds matches its status; a default applied is judged too', () => {
    const single = run.results.filter((x) => (x.status === 'pass' || x.status === 'fail') && x.evidence.length === 1 && x.evidence[0]!.holds !== undefined);
    expect(single.length).toBeGreaterThan(20);
    for (const r of single) expect([r.controlId, r.evidence[0]!.holds]).toEqual([r.controlId, r.status === 'pass']);
    expect(single.some((r) => r.evidence[0]!.source === 'default')).toBe(true);
  });
});
