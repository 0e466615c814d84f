/**
 * `JSON.stringify(value, null, 2)` as pieces: the same text, never one string. V8 refuses strings
 * over ~512 MB, and the JSON report of a directory of ~5,000 configuration files is larger. Objects
 * and arrays are opened `depth` levels down (the run, then its results); below that each value is one
 * JSON.stringify, indented to its place.
 */
export function* jsonChunks(value: unknown, depth: number, indent = ''): Generator<string> {
  if (depth <= 0 || value === null || typeof value !== 'object' || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    const text = JSON.stringify(value, null, 2);
    yield indent && text.includes('\n') ? text.replaceAll('\n', `\n${indent}`) : text;
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) {
      yield '[]';
      return;
    }
    yield '[';
    for (let i = 0; i < value.length; i++) {
      yield `${i ? ',' : ''}\n${inner}`;
      // As JSON.stringify writes them: an entry that has no JSON form is null.
      const v: unknown = value[i];
      yield* jsonChunks(v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v, depth - 1, inner);
    }
    yield `\n${indent}]`;
    return;
  }
  // A property that has no JSON form is left out, as JSON.stringify leaves it.
  const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol');
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{';
  for (let i = 0; i < entries.length; i++) {
    const [k, v] = entries[i]!;
    yield `${i ? ',' : ''}\n${inner}${JSON.stringify(k)}: `;
    yield* jsonChunks(v, depth - 1, inner);
  }
  yield `\n${indent}}`;
}
