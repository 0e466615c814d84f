import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { nextRun, parseDuration, parseSchedule, periodMs } from '../../src/agent/schedule.js';
import { parseListen } from '../../src/agent/aggregator.js';

const at = (iso: string) => new Date(iso);

describe('agent schedule', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration('250ms')).toBe(250);
    for (const bad of ['', '10', '1x', '-5m', '0s', '1h 30m']) expect(() => parseDuration(bad, '--interval'), bad).toThrow(/--interval/);
  });

  it('@every adds the period', () => {
    const s = parseSchedule('@every 15m');
    expect(nextRun(s, at('2026-11-27T12:00:10Z')).toISOString()).toBe('2026-11-27T12:15:10.000Z');
    expect(periodMs(s)).toBe(900_000);
    expect(() => parseSchedule('@every 10ms')).toThrow(/at least 1s/);
  });

  it('cron fires at the next matching minute, in UTC', () => {
    const hourly = parseSchedule('0 * * * *');
    expect(nextRun(hourly, at('2026-11-27T12:00:00Z')).toISOString()).toBe('2026-11-27T13:00:00.000Z');
    expect(nextRun(hourly, at('2026-11-27T12:59:59Z')).toISOString()).toBe('2026-11-27T13:00:00.000Z');
    expect(nextRun(parseSchedule('*/15 * * * *'), at('2026-11-27T12:07:00Z')).toISOString()).toBe('2026-11-27T12:15:00.000Z');
    expect(nextRun(parseSchedule('30 2 * * *'), at('2026-11-27T03:00:00Z')).toISOString()).toBe('2026-11-28T02:30:00.000Z');
    expect(nextRun(parseSchedule('0 0 1 * *'), at('2026-12-15T00:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(nextRun(parseSchedule('@weekly'), at('2026-11-27T00:00:00Z')).toISOString()).toBe('2026-11-29T00:00:00.000Z'); // a Friday → Sunday
    expect(nextRun(parseSchedule('0 0 * * 7'), at('2026-11-27T00:00:00Z')).toISOString()).toBe('2026-11-29T00:00:00.000Z');
    expect(nextRun(parseSchedule('0 0 29 2 *'), at('2026-03-01T00:00:00Z')).toISOString()).toBe('2028-02-29T00:00:00.000Z');
    expect(nextRun(parseSchedule('0 9-17/4 * * 1-5'), at('2026-11-27T14:00:00Z')).toISOString()).toBe('2026-11-27T17:00:00.000Z'); // Friday: 9, 13, 17
    expect(nextRun(parseSchedule('0 9-17/4 * * 1-5'), at('2026-11-27T17:00:00Z')).toISOString()).toBe('2026-11-30T09:00:00.000Z'); // → Monday
    expect(periodMs(parseSchedule('@hourly'), at('2026-11-27T12:00:00Z'))).toBe(3_600_000);
  });

  it('day-of-month and day-of-week restricted together match either (Vixie cron)', () => {
    // The 13th or any Friday: from Sat 2026-11-28 the next is Fri 2026-12-04, before the 13th.
    expect(nextRun(parseSchedule('0 0 13 * 5'), at('2026-11-28T00:00:00Z')).toISOString()).toBe('2026-12-04T00:00:00.000Z');
  });

  it('rejects malformed expressions with the field named', () => {
    expect(() => parseSchedule('* * * *')).toThrow(/5 fields/);
    expect(() => parseSchedule('60 * * * *')).toThrow(/minute field/);
    expect(() => parseSchedule('0 24 * * *')).toThrow(/hour field/);
    expect(() => parseSchedule('0 0 0 * *')).toThrow(/day-of-month/);
    expect(() => parseSchedule('0 0 * 13 *')).toThrow(/month field/);
    expect(() => parseSchedule('*/0 * * * *')).toThrow(/step/);
    expect(() => parseSchedule('@yearly-ish')).toThrow(/unknown macro/);
    expect(nextRun(parseSchedule('@yearly'), at('2026-11-28T00:00:00Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(() => nextRun(parseSchedule('0 0 31 2 *'), at('2026-01-01T00:00:00Z'))).toThrow(/never fires/);
  });

  it('property: the next run matches the expression, is after the start, and no earlier minute matches', () => {
    const field = (max: number, min = 0) => fc.oneof(fc.constant('*'), fc.integer({ min, max }).map(String), fc.integer({ min: 1, max: 7 }).map((s) => `*/${s}`));
    fc.assert(
      fc.property(field(59), field(23), field(28, 1), field(12, 1), field(6), fc.date({ min: at('2020-01-01T00:00:00Z'), max: at('2030-01-01T00:00:00Z'), noInvalidDate: true }), (mi, h, dom, mon, dow, start) => {
        const s = parseSchedule(`${mi} ${h} ${dom} ${mon} ${dow}`);
        const next = nextRun(s, start);
        expect(next.getTime()).toBeGreaterThan(start.getTime());
        expect(next.getUTCSeconds()).toBe(0);
        if (s.kind !== 'cron') return;
        expect(s.minutes.has(next.getUTCMinutes()) && s.hours.has(next.getUTCHours()) && s.months.has(next.getUTCMonth() + 1)).toBe(true);
        // No minute between start and next fires (checked over the first few hours only, to stay quick).
        const probe = new Date(start.getTime());
        probe.setUTCSeconds(0, 0);
        for (let i = 0; i < 180; i++) {
          probe.setUTCMinutes(probe.getUTCMinutes() + 1);
          if (probe >= next) break;
          const dayOk = s.domStar && s.dowStar ? true : s.domStar ? s.dows.has(probe.getUTCDay()) : s.dowStar ? s.doms.has(probe.getUTCDate()) : s.doms.has(probe.getUTCDate()) || s.dows.has(probe.getUTCDay());
          const fires = s.minutes.has(probe.getUTCMinutes()) && s.hours.has(probe.getUTCHours()) && s.months.has(probe.getUTCMonth() + 1) && dayOk;
          expect(fires, probe.toISOString()).toBe(false);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('parses --listen addresses', () => {
    expect(parseListen(':9090')).toEqual({ host: undefined, port: 9090 });
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::1]:9090')).toEqual({ host: '::1', port: 9090 });
    expect(() => parseListen('9090')).toThrow(/--listen/);
    expect(() => parseListen(':70000')).toThrow(/--listen/);
  });
});
