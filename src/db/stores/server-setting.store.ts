import type { Atomic, Queryable } from '../database';

/**
 * Named values the Slate processes on one database share (migration 0012): what the running
 * server announces (public URL, version) and the SECRET_KEY check.
 */
export interface ServerSettingStore {
  /** The values of these names that are set. */
  get(q: Queryable, names: readonly string[]): Promise<Map<string, { value: string; updatedAt: Date }>>;
  /** Sets every value (in one transaction when given the database). */
  put(w: Atomic, values: Readonly<Record<string, string>>, now: Date): Promise<void>;
  /** Sets a value only where none is set; true when this call set it. */
  putIfAbsent(w: Atomic, name: string, value: string, now: Date): Promise<boolean>;
}
