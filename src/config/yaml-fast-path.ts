import { Document, Pair, Scalar, YAMLMap, YAMLSeq, isScalar, type DocumentOptions, type LineCounter, type Node, type ParseOptions, type ScalarTag, type SchemaOptions } from 'yaml';

/**
 * A fast reader for the plain YAML that configuration files are written in: block maps and sequences
 * indented with spaces, one-line scalars (plain, or quoted without escapes) and one-line flow
 * collections, comments. It builds the Document the yaml library's parser would (the same nodes,
 * scalars resolved by the same schema tags, each node's start offset and the line starts), about ten
 * times faster: the library's parser was half the time of `audit config` on a typical cluster.yml (ADR
 * 0017). Anything else (anchors, tags, multi-line or escaped scalars, empty values, `---`, a key given
 * twice, tabs, CRLF) is refused: `undefined`, and the yaml library reads the text. The differential test
 * (test/unit/yaml-fast-path.test.ts) compares the two on generated and real files.
 *
 * The Document is for reading (values, node offsets): comments are not kept, and node ranges give
 * only their start as the library's do (the end offsets are the node's own text).
 */
export function fastYamlDocument(text: string, options: ParseOptions & DocumentOptions & SchemaOptions, lineCounter: LineCounter): Document.Parsed | undefined {
  if (/[\t\r\uFEFF]/.test(text) || options.keepSourceTokens) return undefined;
  try {
    const doc = new Document(undefined, options);
    const reader = new Reader(text, doc);
    const root = reader.document();
    doc.contents = root;
    (doc as Document.Parsed).range = [0, root.range![1], text.length];
    for (const start of reader.lineStarts) lineCounter.addNewLine(start);
    plainValues.set(doc, plainValue(root));
    return doc as Document.Parsed;
  } catch (e) {
    if (e === OUTSIDE) return undefined;
    throw e;
  }
}

const plainValues = new WeakMap<Document, unknown>();

/**
 * The plain value of a document the fast path read (what `toJS` gives: no aliases to expand, every key a
 * string, no map used as a key to look for), or undefined for a document the library read.
 */
export function fastPathValue(doc: Document): { value: unknown } | undefined {
  return plainValues.has(doc) ? { value: plainValues.get(doc) } : undefined;
}

function plainValue(n: unknown): unknown {
  if (n instanceof Scalar) return n.value;
  if (n instanceof YAMLSeq) return n.items.map(plainValue);
  const o: Record<string, unknown> = {};
  for (const p of (n as YAMLMap<Scalar<string>>).items) o[p.key.value] = plainValue(p.value);
  return o;
}

/** Thrown (a constant, no stack) when the text leaves the subset. */
const OUTSIDE = Symbol('outside the fast path');
function outside(): never {
  throw OUTSIDE;
}

type ScalarType = 'PLAIN' | 'QUOTE_DOUBLE' | 'QUOTE_SINGLE';
const SPACE = 32;
const MAX_NESTING = 64;

class Reader {
  /** Offset where each line starts (every line, as the library's LineCounter records them). */
  readonly lineStarts: number[] = [0];
  /** The lines that hold content (not blank, not only a comment): start offset, first content offset. */
  private readonly starts: number[] = [];
  private readonly contents: number[] = [];

  constructor(
    private readonly text: string,
    private readonly doc: Document,
  ) {
    for (let start = 0; start <= text.length; ) {
      const nl = text.indexOf('\n', start);
      const end = nl < 0 ? text.length : nl;
      let c = start;
      while (c < end && text.charCodeAt(c) === SPACE) c++;
      if (c < end && text[c] !== '#') {
        // Directives and document markers belong to the library (a second document, `%YAML 1.1`).
        if (c === start && (text.startsWith('---', c) || text.startsWith('...', c) || text[c] === '%')) outside();
        this.starts.push(start);
        this.contents.push(c);
      }
      if (nl < 0) break;
      start = nl + 1;
      this.lineStarts.push(start);
    }
  }

  /** How deep the collection being read is nested. */
  private depth = 0;

  /**
   * A collection inside another. Deep nesting is the library's: it turns a stack overflow into an error
   * (`RESOURCE_EXHAUSTION`, near a thousand levels), a depth no configuration file comes near.
   */
  private nested<T>(read: () => T): T {
    if (++this.depth > MAX_NESTING) outside();
    const r = read();
    this.depth--;
    return r;
  }

  private indent(line: number): number {
    return this.contents[line]! - this.starts[line]!;
  }

  private lineEnd(offset: number): number {
    const nl = this.text.indexOf('\n', offset);
    return nl < 0 ? this.text.length : nl;
  }

  document(): YAMLMap | YAMLSeq {
    if (this.contents.length === 0 || this.indent(0) !== 0) outside();
    const [root, next] = this.block(0, 0);
    if (next < this.contents.length) outside();
    return root;
  }

  /** A block map or sequence whose first line is `line`, at that line's indentation; also the line after it. */
  private block(line: number, col: number): [YAMLMap | YAMLSeq, number] {
    const at = this.contents[line]!;
    if (this.isDash(at)) return this.seq(line, col);
    if (this.colonOf(at) === undefined) outside(); // a scalar alone on its line
    return this.map(line, col, at);
  }

  private isDash(offset: number): boolean {
    const next = this.text.charCodeAt(offset + 1);
    return this.text[offset] === '-' && (next === SPACE || next === 10 || Number.isNaN(next));
  }

  /** A block map with its keys at column `col`, the first at `first` on `line`. */
  private map(line: number, col: number, first: number): [YAMLMap, number] {
    const map = new YAMLMap(this.doc.schema);
    const keys = new Set<unknown>();
    let at = first;
    for (;;) {
      const key = this.key(at);
      // The library names a key given twice; `__proto__` is a key it sets without touching the prototype.
      if (keys.has(key.node.value) || typeof key.node.value !== 'string' || key.node.value === '__proto__') outside();
      keys.add(key.node.value);
      const rest = this.skipSpaces(key.after);
      let value: Node;
      let next: number;
      if (this.atLineEnd(rest)) {
        next = line + 1;
        // The value is the block below: more indented, or a sequence at the key's own column.
        if (next >= this.contents.length) outside();
        const ind = this.indent(next);
        if (ind > col) [value, next] = this.nested(() => this.block(next, ind));
        else if (ind === col && this.isDash(this.contents[next]!)) [value, next] = this.nested(() => this.seq(next, col));
        else outside(); // an empty value
      } else {
        value = this.inline(rest);
        next = line + 1;
        if (next < this.contents.length && this.indent(next) > col) outside(); // a scalar continued on the next line
      }
      map.items.push(new Pair(key.node, value));
      // The map goes on at a line at its column that is no sequence entry; -1: no line left.
      const ind = next < this.contents.length ? this.indent(next) : -1;
      if (ind > col) outside();
      if (ind < col || this.isDash(this.contents[next]!)) {
        map.range = [first, value.range![1], value.range![1]];
        return [map, next];
      }
      line = next;
      at = this.contents[line]!;
    }
  }

  /** A block sequence with its dashes at column `col`. */
  private seq(line: number, col: number): [YAMLSeq, number] {
    const seq = new YAMLSeq(this.doc.schema);
    const first = this.contents[line]!;
    for (;;) {
      const item = this.skipSpaces(this.contents[line]! + 1);
      if (this.atLineEnd(item) || this.isDash(item)) outside();
      let value: Node;
      let next: number;
      if (this.colonOf(item) !== undefined) {
        // `- key: value` and the lines below at the key's column: a map.
        [value, next] = this.nested(() => this.map(line, item - this.starts[line]!, item));
      } else {
        value = this.inline(item);
        next = line + 1;
        if (next < this.contents.length && this.indent(next) > col) outside();
      }
      seq.items.push(value);
      // The sequence goes on at a dash at its column; -1: no line left.
      const ind = next < this.contents.length ? this.indent(next) : -1;
      if (ind > col) outside();
      if (ind < col || !this.isDash(this.contents[next]!)) {
        seq.range = [first, value.range![1], value.range![1]];
        return [seq, next];
      }
      line = next;
    }
  }

  /** Whether a key starts at `offset` (plain or quoted, then `:` and a space or the line end): the offset of its `:`. */
  private colonOf(offset: number): number | undefined {
    const t = this.text;
    const c = t[offset];
    if (c === '"' || c === "'") {
      const close = this.quoted(offset)[1];
      return t[close] === ':' && this.separates(close + 1) ? close : undefined;
    }
    if (!this.plainStart(offset)) return undefined;
    const end = this.lineEnd(offset);
    for (let i = offset; i < end; i++) {
      const ch = t[i];
      if (ch === ':' && this.separates(i + 1)) return i - offset > 1024 ? outside() : i;
      if (ch === '#' && t.charCodeAt(i - 1) === SPACE) return undefined;
    }
    return undefined;
  }

  /** The key at `offset` and the offset after its `:`. */
  private key(offset: number): { node: Scalar; after: number } {
    const colon = this.colonOf(offset) ?? outside();
    const c = this.text[offset];
    if (c === '"' || c === "'") return { node: this.scalar(this.quoted(offset)[0], c === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', offset, colon, true), after: colon + 1 };
    const value = this.text.slice(offset, colon).trimEnd();
    return { node: this.scalar(value, 'PLAIN', offset, offset + value.length, true), after: colon + 1 };
  }

  /** A space, a line end or the end of the text at `offset`: what makes `:` a key's end. */
  private separates(offset: number): boolean {
    const c = this.text.charCodeAt(offset);
    return c === SPACE || c === 10 || Number.isNaN(c);
  }

  /** Only spaces and a comment (after a space) are left on the line. */
  private atLineEnd(offset: number): boolean {
    const c = this.text[offset];
    return c === undefined || c === '\n' || (c === '#' && this.text.charCodeAt(offset - 1) === SPACE);
  }

  private skipSpaces(offset: number): number {
    while (this.text.charCodeAt(offset) === SPACE) offset++;
    return offset;
  }

  /** A first character that starts a plain scalar in every context (no indicator). */
  private plainStart(offset: number): boolean {
    const c = this.text[offset];
    if (c === undefined || '?:,[]{}#&*!|>\'"%@`\n '.includes(c)) return false;
    // `-` starts a scalar only before a letter, digit or dot (`-1`, `-x`): before a space, a line end or a
    // flow indicator it is a sequence entry.
    return c !== '-' || /[\w.]/.test(this.text[offset + 1] ?? '');
  }

  /** A value written on the key's (or dash's) line: a scalar or a flow collection, and nothing after it but a comment. */
  private inline(offset: number): Node {
    const t = this.text;
    let node: Node;
    let end: number;
    const c = t[offset];
    if (c === '"' || c === "'") {
      const [value, close] = this.quoted(offset);
      end = close;
      node = this.scalar(value, c === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', offset, close, false);
    } else if (c === '[' || c === '{') {
      [node, end] = this.nested(() => this.flow(offset));
    } else {
      if (!this.plainStart(offset)) outside();
      const lineEnd = this.lineEnd(offset);
      end = offset;
      for (let i = offset; i < lineEnd; i++) {
        const ch = t[i];
        if (ch === '#' && t.charCodeAt(i - 1) === SPACE) break;
        if (ch === ':' && this.separates(i + 1)) outside(); // a map on the value's line
        if (ch !== ' ') end = i + 1;
      }
      node = this.scalar(t.slice(offset, end), 'PLAIN', offset, end, false);
    }
    if (!this.atLineEnd(this.skipSpaces(end))) outside();
    return node;
  }

  /** A one-line quoted scalar without escapes (`''` is a quote in single quotes): its value and the offset after the closing quote. */
  private quoted(offset: number): [string, number] {
    const t = this.text;
    const q = t[offset]!;
    const lineEnd = this.lineEnd(offset);
    let value = '';
    let from = offset + 1;
    for (let i = from; i < lineEnd; i++) {
      const ch = t[i];
      if (ch === '\\' && q === '"') outside();
      if (ch !== q) continue;
      if (q === "'" && t[i + 1] === "'") {
        value += t.slice(from, i + 1);
        from = i + 2;
        i++;
        continue;
      }
      return [value + t.slice(from, i), i + 1];
    }
    return outside();
  }

  /** A one-line flow sequence or map at `offset`: the node and the offset after it. */
  private flow(offset: number): [YAMLMap | YAMLSeq, number] {
    const t = this.text;
    const isMap = t[offset] === '{';
    const coll = isMap ? new YAMLMap(this.doc.schema) : new YAMLSeq(this.doc.schema);
    coll.flow = true;
    const close = isMap ? '}' : ']';
    let at = this.skipSpaces(offset + 1);
    if (t[at] === close) {
      coll.range = [offset, at + 1, at + 1];
      return [coll, at + 1];
    }
    const keys = new Set<unknown>();
    for (;;) {
      if (isMap) {
        const key = this.flowItem(at, true);
        const value = key.end;
        if (!(key.node instanceof Scalar) || typeof key.node.value !== 'string' || keys.has(key.node.value) || key.node.value === '__proto__') outside();
        keys.add(key.node.value);
        if (t[value] !== ':' || t.charCodeAt(value + 1) !== SPACE) outside(); // `{a}`, `{a:b}`: the library's
        const v = this.flowItem(this.skipSpaces(value + 1), false);
        (coll as YAMLMap).items.push(new Pair(key.node, v.node));
        at = this.skipSpaces(v.end);
      } else {
        const item = this.flowItem(at, false);
        (coll as YAMLSeq).items.push(item.node);
        at = this.skipSpaces(item.end);
      }
      if (t[at] === close) {
        coll.range = [offset, at + 1, at + 1];
        return [coll, at + 1];
      }
      if (t[at] !== ',') outside();
      at = this.skipSpaces(at + 1);
      if (t[at] === close) outside(); // a trailing comma
    }
  }

  /** One entry of a flow collection: a quoted or plain scalar (no `:` or `#` in it) or a nested collection. */
  private flowItem(offset: number, atKey: boolean): { node: Node; end: number } {
    const t = this.text;
    const c = t[offset];
    if (c === '"' || c === "'") {
      const [value, close] = this.quoted(offset);
      return { node: this.scalar(value, c === '"' ? 'QUOTE_DOUBLE' : 'QUOTE_SINGLE', offset, close, atKey), end: close };
    }
    if ((c === '[' || c === '{') && !atKey) {
      const [node, end] = this.nested(() => this.flow(offset));
      return { node, end };
    }
    if (!this.plainStart(offset)) outside();
    let end = offset;
    for (let i = offset; ; i++) {
      const ch = t[i];
      if (ch === undefined || ch === '\n') outside(); // a flow collection over several lines
      if (ch === ',' || ch === ']' || ch === '}' || ch === '[' || ch === '{') break;
      if (ch === ':') {
        if (atKey && t.charCodeAt(i + 1) === SPACE) break;
        outside();
      }
      if (ch === '#') outside();
      if (ch !== ' ') end = i + 1;
    }
    return { node: this.scalar(t.slice(offset, end), 'PLAIN', offset, end, atKey), end };
  }

  /** A scalar resolved as the library's composer does: the first default tag whose test matches a plain value, a string otherwise. */
  private scalar(value: string, type: ScalarType, start: number, end: number, atKey: boolean): Scalar {
    // A merge key `<<` resolves to no string: map() refuses it.
    const tag = type === 'PLAIN' ? (this.doc.schema.tags.find((tg) => (tg.default === true || (atKey && tg.default === 'key')) && !tg.collection && tg.test?.test(value)) as ScalarTag | undefined) : undefined;
    let node: Scalar;
    if (tag) {
      const res: unknown = tag.resolve(value, outside, this.doc.options);
      node = isScalar(res) ? res : new Scalar(res);
      if (tag.format) node.format = tag.format;
    } else node = new Scalar(value);
    node.range = [start, end, end];
    node.source = value;
    node.type = type;
    return node;
  }
}
