import { PlistReal } from '../../apple/protocol/plist';
import type { PathSegment } from '../catalog/catalog-report';

/**
 * `{{ name }}` references inside string values. Scanning is a single indexOf pass (no regex over
 * the whole value), so a long value costs linear time.
 */
const NAME = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_]+)+$/;

export interface TemplatePart {
  /** Literal text, or the variable name when `variable` is true. */
  text: string;
  variable: boolean;
}

/** Splits a string into literal text and variable references; `malformed` names what is broken. */
export function parseTemplate(s: string): { parts: TemplatePart[]; malformed: string[] } {
  const parts: TemplatePart[] = [];
  const malformed: string[] = [];
  let pos = 0;
  for (;;) {
    const open = s.indexOf('{{', pos);
    if (open < 0) break;
    const close = s.indexOf('}}', open + 2);
    if (close < 0) {
      malformed.push(`unclosed '{{' in ${JSON.stringify(clip(s.slice(open)))}`);
      break;
    }
    const name = s.slice(open + 2, close).trim();
    if (!NAME.test(name)) {
      malformed.push(`'{{${clip(s.slice(open + 2, close))}}}' is not a variable reference`);
      pos = close + 2;
      continue;
    }
    if (open > pos) parts.push({ text: s.slice(pos, open), variable: false });
    parts.push({ text: name, variable: true });
    pos = close + 2;
  }
  if (pos < s.length) parts.push({ text: s.slice(pos), variable: false });
  return { parts, malformed };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

export interface VariableUse {
  name: string;
  path: PathSegment[];
}

/**
 * Every variable reference in a value tree, with its path. Keys are not templates: a `{{` in a
 * dict key is reported as malformed, because substitution never touches keys.
 */
export function collectVariables(value: unknown, path: PathSegment[] = [], uses: VariableUse[] = [], malformed: VariableUse[] = []): { uses: VariableUse[]; malformed: VariableUse[] } {
  if (typeof value === 'string') {
    if (value.includes('{{')) {
      const parsed = parseTemplate(value);
      for (const p of parsed.parts) if (p.variable) uses.push({ name: p.text, path });
      for (const m of parsed.malformed) malformed.push({ name: m, path });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => collectVariables(item, [...path, i], uses, malformed));
  } else if (isContainerDict(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('{{')) malformed.push({ name: `variables are substituted in values only, not in the key ${JSON.stringify(clip(k))}`, path: [...path, k] });
      collectVariables(v, [...path, k], uses, malformed);
    }
  }
  return { uses, malformed };
}

/**
 * Replaces variable references inside string values and nowhere else: the result has exactly the
 * shape of the input (same keys, same array lengths, same types), so a value like
 * `</string><key>x</key>` stays text and the XML encoder escapes it. Unknown names throw: the
 * loader has already refused them, so reaching one here is a bug.
 */
export function substitute<T>(value: T, resolve: (name: string) => string): T {
  return subst(value, resolve) as T;
}

function subst(value: unknown, resolve: (name: string) => string): unknown {
  if (typeof value === 'string') {
    if (!value.includes('{{')) return value;
    const { parts, malformed } = parseTemplate(value);
    if (malformed.length) throw new Error(`template: ${malformed[0]}`);
    let out = '';
    for (const p of parts) out += p.variable ? resolve(p.text) : p.text;
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => subst(item, resolve));
  if (isContainerDict(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) Object.defineProperty(out, k, { value: subst(v, resolve), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}

function isContainerDict(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date) && !(v instanceof PlistReal) && !(v instanceof Uint8Array);
}
