import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { fastPathValue, fastYamlDocument } from '../../src/config/yaml-fast-path.js';

// The options read-yaml-file parses configuration files with.
const OPTIONS = { prettyErrors: false, uniqueKeys: true, merge: true } as const;

/** What a reader can see of a node: class, value, style, resolved format, start offset, children. */
function shape(n: unknown): unknown {
  if (isScalar(n)) return { value: n.value, type: n.type, source: n.source, format: n.format, minFractionDigits: n.minFractionDigits, start: n.range?.[0] };
  if (isMap(n)) return { map: n.items.map((p) => [shape(p.key), shape(p.value)]), flow: Boolean(n.flow), start: n.range?.[0] };
  if (isSeq(n)) return { seq: n.items.map(shape), flow: Boolean(n.flow), start: n.range?.[0] };
  return { other: String(n) };
}

/** Read by the fast path and by the yaml library: when the fast path accepts, everything a reader sees is the same. */
function sameAsLibrary(text: string, version?: '1.1'): boolean {
  if (version === undefined) sameAsLibrary(text, '1.1');
  const options = { ...OPTIONS, ...(version ? { version } : {}) };
  const fastLines = new LineCounter();
  const fast = fastYamlDocument(text, { ...options }, fastLines);
  if (!fast) {
    expect(fastLines.lineStarts, 'a refused text leaves the line counter empty').toEqual([]);
    return false;
  }
  const libLines = new LineCounter();
  const lib = parseDocument(text, { ...options, lineCounter: libLines });
  const at = JSON.stringify(text);
  expect(lib.errors.map((e) => e.message), at).toEqual([]);
  expect(lib.warnings.map((e) => e.message), at).toEqual([]);
  expect(shape(fast.contents), at).toEqual(shape(lib.contents));
  expect(fast.toJS(), at).toEqual(lib.toJS());
  expect(fastPathValue(fast)?.value, at).toEqual(lib.toJS());
  expect(fastLines.lineStarts, at).toEqual(libLines.lineStarts);
  return true;
}

// More runs for a deeper search: FAST_PATH_RUNS=100000 npx vitest run test/unit/yaml-fast-path.test.ts
const RUNS = Number(process.env.FAST_PATH_RUNS ?? 5000);

// Keys and scalars as configuration files write them, and what lies just outside the fast path.
const COMMON_KEYS = ['a', 'key', 'kube-api', 'extra_args', 'a b', 'x.y', '"q k"', 'é'];
const COMMON_SCALARS = ['v', 'true', 'False', '0', '-1', '1.50', '~', '"a b"', "'it''s'", 'a # c', 'a#b', 'a:b', '10.0.0.1', '[a, b]', '{a: b}', '[]', 'v1.28.15-rancher1-1', '0600', 'x   '];
const KEYS = ['__proto__', 'a', 'key', 'kube-api', 'extra_args', 'a b', 'a#b', 'a #b', '"q k"', "'s k'", "'it''s'", 'true', '1', '~', 'null', '<<', '-k', '- k', '?k', 'x.y', '"a:b"', 'é', '"a\\"b"', '[a]', '{a: b}', '&x k', '!!str k'];
const SCALARS = [
  'v', 'true', 'True', 'TRUE', 'tRue', 'yes', 'no', 'on', '0', '-1', '+1', '0o17', '0x1F', '0x1g', '017', '1.5', '1.50', '.5', '1.', '1e3', '1E-2', '.inf', '-.Inf', '.nan', '.NaN',
  '~', 'null', 'Null', '', '""', "''", '"a b"', '"a\\nb"', "'it''s'", "''''", "'a # b'", '"x # y"', '"x" y', 'a # c', 'a#b', 'a: b', 'a:b', 'a:', 'https://x:2379', '10.0.0.1',
  '- x', '-x', '-', '&a x', '*a', '!!str x', '|', '>', '@x', '`x`', '%x', '?x', ':x', 'a, b', '[a, b]', '[]', '{}', '[ ]', '{a: b}', '{a: b, c: [d, e]}', '[a, [b, c]]',
  '[a,b]', '[a, b,]', '{a}', '{a:b}', '{a: }', '[a: b]', '["a", \'b\']', '{"a": 1}', '{"a":1}', '[a, "b]', '[a', 'RotateKubeletServerCertificate=true', 'v1.28.15-rancher1-1',
  '0600', '2001-12-14', '1:30', 'x   ', '0b1010', '-0b11', '1_000', '0x_1F', '190:20:30', '-1:30.5', 'Off', 'Y', 'n', '=', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10 -5', '+.inf', '0.1_5', 'a  b', 'a # [b]', '"é"', "'a\\b'", '{a: b, a: c}', '[#a]', '[a #b]',
];

type Tree = string | { map: [string, Tree][] } | { seq: Tree[] };
const tree: fc.Arbitrary<Tree> = fc.letrec<{ t: Tree }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.oneof({ arbitrary: fc.constantFrom(...COMMON_SCALARS), weight: 6 }, { arbitrary: fc.constantFrom(...SCALARS), weight: 1 }), weight: 3 },
    fc.record({ map: fc.array(fc.tuple(fc.oneof({ arbitrary: fc.constantFrom(...COMMON_KEYS), weight: 8 }, { arbitrary: fc.constantFrom(...KEYS), weight: 1 }), tie('t')), { minLength: 1, maxLength: 4 }) }),
    fc.record({ seq: fc.array(tie('t'), { minLength: 1, maxLength: 3 }) }),
  ),
})).t;

interface Style {
  step: number;
  compactSeq: boolean;
  comments: boolean;
  trailing: string;
}

/** Block YAML of a tree (scalars inline, collections below their key or dash). */
function render(t: Tree, s: Style, indent = 0): string[] {
  const pad = ' '.repeat(indent);
  const comment = s.comments ? [`${' '.repeat(indent + 1)}# note`, ''] : [];
  if (typeof t === 'string') return [`${pad}${t}`];
  if ('map' in t) {
    return t.map.flatMap(([k, v]) => {
      if (typeof v === 'string') return [`${pad}${k}: ${v}${s.trailing}`, ...comment];
      const inner = 'seq' in v && s.compactSeq ? indent : indent + s.step;
      return [`${pad}${k}:${s.trailing}`, ...render(v, s, inner)];
    });
  }
  return t.seq.flatMap((v) => {
    if (typeof v === 'string') return [`${pad}- ${v}`];
    const lines = render(v, s, indent + 2);
    // `- key: value` on the dash's line when the item is a map.
    return 'map' in v ? [`${pad}- ${lines[0]!.trimStart()}`, ...lines.slice(1)] : [`${pad}-`, ...lines];
  });
}

const style = fc.record({ step: fc.integer({ min: 1, max: 4 }), compactSeq: fc.boolean(), comments: fc.boolean(), trailing: fc.constantFrom('', ' ', '  # why', ' #', '#x') });

describe('the YAML fast path reads what the yaml library reads', () => {
  it('on generated block YAML, and refuses what it does not know', () => {
    let accepted = 0;
    fc.assert(
      fc.property(tree, style, (t, s) => {
        if (sameAsLibrary(render(t, s).join('\n') + '\n')) accepted++;
      }),
      { numRuns: RUNS },
    );
    // The generator reaches the fast path often enough to test it (most of what it writes is valid).
    expect(accepted).toBeGreaterThan(RUNS / 10);
  });

  it('on generated YAML with a character inserted or removed anywhere', () => {
    const base = fc.tuple(tree, style).map(([t, s]) => render(t, s).join('\n') + '\n');
    fc.assert(
      fc.property(base, fc.nat(), fc.constantFrom(' ', '\n', ':', '#', '-', "'", '"', '[', ']', '{', '}', ',', '\t', '\r', '---', '&', '*', '!', '?', '', 'x'), (text, at, ch) => {
        const i = at % (text.length + 1);
        sameAsLibrary(text.slice(0, i) + ch + text.slice(i + (ch === '' ? 1 : 0)));
      }),
      { numRuns: RUNS },
    );
  });

  it('on every YAML file of this repository, and on the bundled examples it is meant for', () => {
    const root = path.resolve(import.meta.dirname, '../..');
    const files = execFileSync('git', ['ls-files', '*.yml', '*.yaml'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const accepted = files.filter((f) => sameAsLibrary(fs.readFileSync(path.join(root, f), 'utf8')));
    // The single-document examples are plain YAML: the fast path is what reads them.
    for (const f of ['examples/rke1-default/cluster.yml', 'examples/rke1-hardened/cluster.yml', 'examples/rke2-server/config.yaml']) expect(accepted).toContain(f);
  });

  it('keeps the line starts, node offsets and scalar styles a location is read from', () => {
    const text = '# a cluster\nnodes:\n- address: 10.0.0.1\n  role: [controlplane, "etcd"]\n\nservices:\n  kubelet:\n    extra_args: {protect-kernel-defaults: "true"}  # CIS 4.2.6\n';
    const lines = new LineCounter();
    const doc = fastYamlDocument(text, { ...OPTIONS }, lines)!;
    expect(doc.toJS()).toEqual({ nodes: [{ address: '10.0.0.1', role: ['controlplane', 'etcd'] }], services: { kubelet: { extra_args: { 'protect-kernel-defaults': 'true' } } } });
    const v = doc.getIn(['services', 'kubelet', 'extra_args', 'protect-kernel-defaults'], true) as { range: number[]; type: string };
    expect(lines.linePos(v.range[0]!)).toEqual({ line: 8, col: 43 });
    expect(v.type).toBe('QUOTE_DOUBLE');
    expect(sameAsLibrary(text)).toBe(true);
  });

  it('leaves to the library what needs it', () => {
    for (const text of ['a: 1\na: 2\n', 'a: &x 1\nb: *x\n', '---\na: 1\n', 'a: 1\n---\nb: 2\n', 'a: |\n  x\n', 'a: "x\\ty"\n', 'a:\n', 'a: b\n  c\n', 'a:\tb\n', 'a: 1\r\n', '<<: {b: 1}\n', '%YAML 1.2\n---\na: 1\n', '', '# only a comment\n', 'a: [b,\n  c]\n', 'a: !!str 1\n']) {
      expect(fastYamlDocument(text, { ...OPTIONS }, new LineCounter()), JSON.stringify(text)).toBeUndefined();
    }
    // Deep nesting: near a thousand levels the library reports its stack exhausted (how near depends on the stack); the fast path leaves all of it to the library.
    for (const depth of [100, 1000]) {
      const flow = `a: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
      const block = Array.from({ length: depth }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ` v\n`;
      for (const text of [flow, block]) expect(fastYamlDocument(text, { ...OPTIONS }, new LineCounter())).toBeUndefined();
    }
    expect(sameAsLibrary(`a: ${'['.repeat(60)}${']'.repeat(60)}\n`)).toBe(true);
  });
});
