import { PlistReal, isPlistDict } from '../protocol/plist';
import type { AppleKeySpec } from './apple-schema';

/**
 * Checks a value against Apple's key specs: known keys only, required keys present, each value of
 * the declared type, values within `rangelist`/`range`, arrays item by item and dictionaries key
 * by key. A dictionary spec with a subkey `ANY` accepts any key names. An array whose item specs
 * are several dictionaries (Settings) accepts an item matching any of them. An array of strings
 * whose item spec lists subkeys (DeviceInformation Queries) accepts only those names.
 * Returns the problems found, each naming the key path; empty when the value conforms.
 */
export function validateKeys(specs: readonly AppleKeySpec[], dict: Record<string, unknown>, path = ''): string[] {
  const problems: string[] = [];
  const byKey = new Map(specs.map((s) => [s.key, s]));
  const wildcard = byKey.get('ANY');
  for (const spec of specs) {
    if (spec.key !== 'ANY' && spec.presence === 'required' && dict[spec.key] === undefined) problems.push(`${path}${spec.key}: required`);
  }
  for (const [key, value] of Object.entries(dict)) {
    if (value === undefined) continue;
    const spec = byKey.get(key) ?? wildcard;
    if (!spec) problems.push(`${path}${key}: not a key Apple defines here`);
    else problems.push(...validateValue(spec, value, `${path}${key}`));
  }
  return problems;
}

export function validateValue(spec: AppleKeySpec, value: unknown, path: string): string[] {
  const kind = spec.type.replace(/[<>]/g, '');
  if (!hasType(kind, value)) return [`${path}: expected ${kind}, got ${describe(value)}`];
  const problems: string[] = [];
  if (spec.rangelist && !spec.rangelist.some((allowed) => allowed === value)) problems.push(`${path}: ${String(value)} is not one of ${spec.rangelist.join(', ')}`);
  if (spec.range && typeof value === 'number') {
    if (spec.range.min !== undefined && value < spec.range.min) problems.push(`${path}: below ${spec.range.min}`);
    if (spec.range.max !== undefined && value > spec.range.max) problems.push(`${path}: above ${spec.range.max}`);
  }
  const sub = spec.subkeys;
  if (kind === 'dictionary' && sub?.length) problems.push(...validateKeys(sub, value as Record<string, unknown>, `${path}.`));
  if (kind === 'array' && sub?.length) (value as unknown[]).forEach((item, i) => problems.push(...validateItem(sub, item, `${path}[${i}]`)));
  if (kind === 'string' && sub?.length && spec.rangelist === undefined && !sub.some((s) => s.key === value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of the documented values`);
  }
  return problems;
}

function validateItem(itemSpecs: readonly AppleKeySpec[], item: unknown, path: string): string[] {
  if (itemSpecs.length === 1) return validateValue(itemSpecs[0]!, item, path);
  let best: string[] | null = null;
  for (const spec of itemSpecs) {
    const problems = validateValue(spec, item, path);
    if (problems.length === 0) return [];
    if (!best || problems.length < best.length) best = problems;
  }
  return [`${path}: matches none of the documented item forms (closest: ${best!.join('; ')})`];
}

function hasType(kind: string, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'integer':
      return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
    case 'real':
      return typeof v === 'number' || v instanceof PlistReal;
    case 'boolean':
      return typeof v === 'boolean';
    case 'date':
      return v instanceof Date;
    case 'data':
      return Buffer.isBuffer(v);
    case 'array':
      return Array.isArray(v);
    case 'dictionary':
      return isPlistDict(v);
    case 'any':
      return v !== undefined && v !== null;
    default:
      return false;
  }
}

function describe(v: unknown): string {
  if (Buffer.isBuffer(v)) return 'data';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  return v === null ? 'null' : typeof v;
}
