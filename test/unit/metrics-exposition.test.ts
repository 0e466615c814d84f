import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpositionParseError, parseExposition, writeExposition, type MetricFamily } from '../../src/agent/prom-text.js';

describe('Prometheus text exposition', () => {
  it('writes HELP, TYPE and samples with escaped label values', () => {
    const text = writeExposition([
      { name: 'x_total', type: 'counter', help: 'a\\b\nc', samples: [{ name: 'x_total', labels: { a: 'q"uote', b: 'back\\slash', c: 'new\nline' }, value: 3 }] },
      { name: 'y', type: 'gauge', help: 'y', samples: [{ name: 'y', labels: {}, value: NaN }, { name: 'y', labels: { k: '' }, value: -Infinity }] },
    ]);
    expect(text).toBe([
      '# HELP x_total a\\\\b\\nc',
      '# TYPE x_total counter',
      'x_total{a="q\\"uote",b="back\\\\slash",c="new\\nline"} 3',
      '# HELP y y',
      '# TYPE y gauge',
      'y NaN',
      'y{k=""} -Inf',
      '',
    ].join('\n'));
  });

  it('refuses invalid names', () => {
    expect(() => writeExposition([{ name: '1x', type: 'gauge', help: '', samples: [] }])).toThrow(/invalid metric name/);
    expect(() => writeExposition([{ name: 'x', type: 'gauge', help: '', samples: [{ name: 'x', labels: { 'a-b': '1' }, value: 1 }] }])).toThrow(/invalid label name/);
    expect(() => writeExposition([{ name: 'x', type: 'gauge', help: '', samples: [{ name: 'x', labels: { __name__: '1' }, value: 1 }] }])).toThrow(/invalid label name/);
  });

  it('property: what is written parses back to the same families', () => {
    const labelValue = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '"', '\\', '\n', '{', '}', ',', '=', 'é', '😀') });
    const family = fc.record({
      name: fc.stringMatching(/^[a-z_][a-z0-9_]{0,12}$/),
      type: fc.constantFrom('gauge' as const, 'counter' as const),
      help: fc.string(),
      samples: fc.array(fc.record({ labels: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/), labelValue, { maxKeys: 4 }), value: fc.double() }), { maxLength: 6 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(family, { selector: (f) => f.name, maxLength: 5 }), (fams) => {
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
        const parsed = parseExposition(writeExposition(families));
        expect([...parsed.keys()]).toEqual(families.map((f) => f.name));
        for (const f of families) {
          const p = parsed.get(f.name)!;
          expect(p.type).toBe(f.type);
          expect(p.help).toBe(f.help);
          expect(p.samples.map((s) => s.labels)).toEqual(f.samples.map((s) => s.labels));
          p.samples.forEach((s, i) => expect(s.value === f.samples[i]!.value || (Number.isNaN(s.value) && Number.isNaN(f.samples[i]!.value))).toBe(true));
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
