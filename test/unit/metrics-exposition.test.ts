import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderMetrics } from '../../src/agent/exposition.js';
import { ExpositionParseError, parseExposition, type MetricFamily } from '../../src/agent/prom-text.js';

describe('Prometheus text exposition', () => {
  const render = (families: MetricFamily[]) => renderMetrics(families, { processMetrics: false });

  it('prom-client writes HELP, TYPE and samples with escaped label values; empty families are left out', async () => {
    const text = await render([
      { name: 'x_total', type: 'counter', help: 'a\\b\nc', samples: [{ name: 'x_total', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: 3 }] },
      { name: 'empty', type: 'gauge', help: 'no scan yet', samples: [] },
      { name: 'y', type: 'gauge', help: 'y', samples: [{ name: 'y', labels: { k: 'v' }, value: NaN }, { name: 'y', labels: { k: '' }, value: -Infinity }] },
    ]);
    expect(text.split('\n').filter(Boolean)).toEqual([
      '# HELP x_total a\\\\b\\nc',
      '# TYPE x_total counter',
      'x_total{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 3',
      '# HELP y y',
      '# TYPE y gauge',
      'y{k="v"} Nan',
      'y{k=""} -Inf',
    ]);
  });

  it('refuses invalid names', async () => {
    await expect(render([{ name: '1x', type: 'gauge', help: 'h', samples: [{ name: '1x', labels: {}, value: 1 }] }])).rejects.toThrow(/Invalid metric name/);
    await expect(render([{ name: 'x', type: 'gauge', help: 'h', samples: [{ name: 'x', labels: { 'a-b': '1' }, value: 1 }] }])).rejects.toThrow(/Invalid label name/);
    await expect(render([{ name: 'x', type: 'gauge', help: 'h', samples: [{ name: 'x', labels: { __name__: '1' }, value: 1 }] }])).rejects.toThrow(/Invalid label name/);
  });

  it('adds the process metrics unless asked not to', async () => {
    const families = parseExposition(await renderMetrics([{ name: 'x', type: 'gauge', help: 'x', samples: [{ name: 'x', labels: {}, value: 2 }] }]));
    expect(families.get('x')!.samples[0]!.value).toBe(2);
    expect(families.get('process_cpu_seconds_total')!.type).toBe('counter');
    expect(families.get('nodejs_heap_size_used_bytes')!.samples[0]!.value).toBeGreaterThan(0);
  });

  it('property: what prom-client writes parses back to the same families', async () => {
    const labelValue = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '"', '\\', '\n', '{', '}', ',', '=', 'é', '😀') });
    const family = fc.oneof(
      ...(['gauge', 'counter'] as const).map((type) =>
        fc.record({
          name: fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/),
          type: fc.constant(type),
          help: fc.string({ minLength: 1 }), // prom-client requires a help text
          // A counter only goes up from 0 by finite steps: prom-client refuses a negative, NaN or infinite increment.
          samples: fc.array(fc.record({ labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), labelValue, { maxKeys: 4 }), value: type === 'counter' ? fc.double({ min: 0, max: Number.MAX_VALUE, noNaN: true }) : fc.double() }), { minLength: 1, maxLength: 6 }),
        }),
      ),
    );
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(family, { selector: (f) => f.name, maxLength: 5 }), async (fams) => {
        const families: MetricFamily[] = fams.map((f) => {
          const seen = new Set<string>();
          const samples = f.samples
            .filter((s) => {
              const k = JSON.stringify(Object.entries(s.labels).sort());
              return !seen.has(k) && seen.add(k);
            })
            .map((s) => ({ name: f.name, labels: s.labels, value: s.value }));
          return { ...f, samples };
        });
        const parsed = parseExposition(await render(families));
        expect([...parsed.keys()]).toEqual(families.map((f) => f.name));
        for (const f of families) {
          const p = parsed.get(f.name)!;
          expect(p.type).toBe(f.type);
          expect(p.help).toBe(f.help);
          expect(p.samples.map((s) => s.labels)).toEqual(f.samples.map((s) => s.labels));
          p.samples.forEach((s, i) => expect(Object.is(s.value, f.samples[i]!.value) || s.value === f.samples[i]!.value).toBe(true));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('the reader is strict', () => {
    const bad = [
      ['x 1\n', /outside its family/],
      ['# TYPE x gauge\nx{a="1",a="2"} 1\n', /label a twice/],
      ['# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n', /twice/],
      ['# TYPE x gauge\nx{a=1} 1\n', /bad labels/],
      ['# TYPE x gauge\nx one\n', /not a number/],
      ['# TYPE x gauge\n# TYPE y gauge\n# TYPE x gauge\n', /appears twice/],
      ['# TYPE x flavour\n', /unknown type/],
    ] as const;
    for (const [text, re] of bad) expect(() => parseExposition(text), text).toThrow(re);
    expect(() => parseExposition('# TYPE x gauge\nx{a="\\q"} 1\n')).toThrow(ExpositionParseError);
    expect(parseExposition('# a comment\n# TYPE x gauge\nx 1 1700000000000\n').get('x')!.samples[0]!.value).toBe(1);
  });
});
