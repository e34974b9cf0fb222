import { Foundation1700000000001 } from './0001-foundation';

/**
 * The explicit, ordered list of schema migrations. Append only: a released migration is never
 * edited, a change is a new migration. Each has a working `down`, tested on both databases.
 */
export const MIGRATIONS = [Foundation1700000000001];
