import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import { PlistReal } from '../../apple/protocol/plist';
import type { PathSegment } from './catalog-report';

/** Catalog files are written by people; anything this large is a mistake or an attack. */
export const MAX_CATALOG_FILE_BYTES = 2 * 1024 * 1024;
const MAX_NODES = 200_000;

export interface YamlSource {
  /** The document as plist-ready values: maps → objects, `2.0` → PlistReal, `!!binary` → Buffer. */
  value: unknown;
  /** 1-based line of the node at `path`, or of its nearest existing ancestor. */
  lineOf(path: readonly PathSegment[]): number;
}

export interface YamlSyntaxError {
  line: number;
  message: string;
}

/**
 * Parses a catalog file keeping node positions (yaml's LineCounter), so every later problem, from
 * zod or from Apple's schema, can name its line. Duplicate keys are syntax errors: in a policy
 * file the second value silently winning is exactly the kind of surprise to refuse.
 */
export function parseYamlSource(text: string): { source: YamlSource } | { errors: YamlSyntaxError[] } {
  if (Buffer.byteLength(text) > MAX_CATALOG_FILE_BYTES) return { errors: [{ line: 1, message: `file is larger than ${MAX_CATALOG_FILE_BYTES} bytes` }] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, customTags: ['binary'] });
  if (doc.errors.length) {
    return { errors: doc.errors.map((e) => ({ line: lineCounter.linePos(e.pos[0]).line, message: e.message.split('\n')[0]! })) };
  }
  try {
    const value = new Converter(doc).convert(doc.contents, 0);
    return { source: { value, lineOf: (path) => lineOf(doc, lineCounter, path) } };
  } catch (err) {
    if (err instanceof ConvertError) return { errors: [{ line: lineCounter.linePos(err.offset).line, message: err.message }] };
    throw err;
  }
}

class ConvertError extends Error {
  constructor(message: string, readonly offset: number) {
    super(message);
  }
}

class Converter {
  private nodes = 0;
  private readonly visiting = new Set<unknown>();
  constructor(private readonly doc: Document) {}

  convert(node: unknown, depth: number): unknown {
    if (++this.nodes > MAX_NODES) throw new ConvertError(`more than ${MAX_NODES} values (alias expansion?)`, offsetOf(node));
    if (depth > 64) throw new ConvertError('nested deeper than 64 levels', offsetOf(node));
    if (node === null || node === undefined) return null;
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (!target || this.visiting.has(target)) throw new ConvertError(`alias *${node.source} refers to itself or to nothing`, offsetOf(node));
      return this.convert(target, depth);
    }
    this.visiting.add(node);
    try {
      if (isMap(node)) {
        const out: Record<string, unknown> = {};
        for (const pair of node.items) {
          const key = isScalar(pair.key) ? pair.key.value : undefined;
          if (typeof key !== 'string' && typeof key !== 'number') throw new ConvertError('keys must be plain strings', offsetOf(pair.key));
          const k = String(key);
          // A key named __proto__ must become data, never the object's prototype.
          Object.defineProperty(out, k, { value: this.convert(pair.value, depth + 1), enumerable: true, writable: true, configurable: true });
        }
        return out;
      }
      if (isSeq(node)) return node.items.map((item) => this.convert(item, depth + 1));
      if (isScalar(node)) return scalarValue(node.value, node.source);
      throw new ConvertError('unsupported YAML node', offsetOf(node));
    } finally {
      this.visiting.delete(node);
    }
  }
}

function scalarValue(value: unknown, source: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // `2.0` is a real in plist terms; JavaScript would otherwise encode it as <integer>2</integer>.
  if (typeof value === 'number' && Number.isInteger(value) && typeof source === 'string' && /[.eE]/.test(source)) return new PlistReal(value);
  return value;
}

function offsetOf(node: unknown): number {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? range[0] : 0;
}

function lineOf(doc: Document, counter: LineCounter, path: readonly PathSegment[]): number {
  let node: unknown = doc.contents;
  let offset = offsetOf(node);
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = offsetOf(pair.key);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      offset = offsetOf(node as YamlNode);
    } else break;
  }
  return counter.linePos(offset).line;
}
