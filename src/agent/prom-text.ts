/**
 * The Prometheus text exposition format (version 0.0.4): the families the aggregator derives from
 * its state (prom-client writes them, see exposition.ts), and a strict reader the tests use to read
 * a scrape back. Pure.
 */

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class ExpositionParseError extends Error {
  override name = 'ExpositionParseError';
}

/** As Prometheus reads values (Go's ParseFloat): NaN and Inf in any case; prom-client writes "Nan". */
function parseValue(s: string, line: number): number {
  const special = s.toLowerCase();
  if (special === 'nan') return NaN;
  if (special === '+inf' || special === 'inf') return Infinity;
  if (special === '-inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(s)) throw new ExpositionParseError(`line ${line}: ${JSON.stringify(s)} is not a number`);
  return Number(s);
}

/**
 * Read an exposition strictly: every sample belongs to a family declared by `# TYPE` before it,
 * label values are quoted with the three escapes, no family or series appears twice.
 */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const series = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const n = i + 1;
    if (raw.trim() === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) return; // a comment
      const [, what, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string];
      if (!NAME.test(name)) throw new ExpositionParseError(`line ${n}: invalid metric name ${name}`);
      let f = families.get(name);
      if (!f) {
        f = { name, help: '', type: 'untyped', samples: [] };
        families.set(name, f);
      } else if (current !== f) {
        throw new ExpositionParseError(`line ${n}: family ${name} appears twice`);
      }
      current = f;
      // One pass: an escaped backslash followed by "n" must stay a backslash and an n.
      if (what === 'HELP') f.help = rest.replace(/\\([\\n])/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
      else {
        if (!['gauge', 'counter', 'untyped', 'histogram', 'summary'].includes(rest)) throw new ExpositionParseError(`line ${n}: unknown type ${rest}`);
        if (f.samples.length) throw new ExpositionParseError(`line ${n}: TYPE of ${name} after its samples`);
        f.type = rest as MetricType;
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+-?\d+)?$/.exec(raw);
    if (!m) throw new ExpositionParseError(`line ${n}: not a sample: ${raw}`);
    const [, name, , body, value] = m as unknown as [string, string, string | undefined, string | undefined, string];
    const labels: Record<string, string> = {};
    if (body !== undefined && body !== '') {
      const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)/y;
      let pos = 0;
      while (pos < body.length) {
        re.lastIndex = pos;
        const lm = re.exec(body);
        if (!lm) throw new ExpositionParseError(`line ${n}: bad labels {${body}}`);
        const [, k, v] = lm as unknown as [string, string, string];
        if (k in labels) throw new ExpositionParseError(`line ${n}: label ${k} twice`);
        labels[k] = v.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
        pos = re.lastIndex;
      }
    }
    const family = current && (name === current.name || ['_bucket', '_sum', '_count'].some((s) => name === current!.name + s)) ? current : undefined;
    if (!family) throw new ExpositionParseError(`line ${n}: sample ${name} outside its family's # TYPE block`);
    const key = `${name}{${Object.entries(labels).sort().map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
    if (series.has(key)) throw new ExpositionParseError(`line ${n}: series ${key} twice`);
    series.add(key);
    family.samples.push({ name, labels, value: parseValue(value, n) });
  });
  return families;
}
