import { AppError } from '../errors';

/**
 * Opaque keyset cursors: `after` is the last key of the page, as base64url JSON so clients do not
 * build them. Anything that does not decode to the expected shape is `cursor_invalid`.
 */
export function encodeCursor(key: string | number): string {
  return Buffer.from(JSON.stringify({ k: key })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined, kind: 'uuid' | 'seq'): string | number | undefined {
  if (cursor === undefined) return undefined;
  let k: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new Error('alphabet');
    k = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { k?: unknown }).k;
  } catch {
    throw invalid();
  }
  if (kind === 'uuid' && typeof k === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(k)) return k;
  if (kind === 'seq' && typeof k === 'number' && Number.isSafeInteger(k) && k > 0) return k;
  throw invalid();
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** A page from `limit + 1` rows: the extra one only says whether there is more. */
export function pageOf<T>(rows: T[], limit: number, key: (t: T) => string | number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(key(items[items.length - 1]!)) : null };
}

function invalid(): AppError {
  return new AppError('cursor_invalid', 'cursor is not one this API handed out', { details: { field: 'cursor', problem: 'invalid' } });
}
