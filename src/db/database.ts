import { AsyncLocalStorage } from 'node:async_hooks';
import type { Dialect } from './columns';

/**
 * Slate's one transaction model, on both databases.
 *
 * Stores run SQL through these two handles and nothing else:
 *  - `Db`: the database. Reads, and the few writes that are one statement and atomic by
 *    themselves (a device poll on Postgres); `transaction` opens a transaction.
 *  - `Tx`: one open transaction. Every store method that writes more than one statement, or that
 *    must commit together with other work, takes a `Tx` as its first argument; there is no
 *    optional handle and no ambient transaction.
 *
 * The drivers are used through their public APIs only: better-sqlite3 on one connection of our
 * own (sqlite-database.ts), node-postgres' Pool (postgres-database.ts). TypeORM builds the schema
 * (migrations) and describes the entities; it is not on any request path.
 *
 * Misuse fails the same way on both databases: a statement run through `Db` (or a nested
 * `transaction`) while the calling code is inside a transaction of that database throws
 * TransactionMisuseError. On Postgres such a statement would silently run outside the transaction
 * on another connection, on SQLite it would wait for the transaction that waits for it.
 */
export interface Result<T> {
  rows: T[];
  /** Rows changed by a write (or returned by RETURNING / SELECT). */
  affected: number;
}

export interface Queryable {
  readonly dialect: Dialect;
  /** Runs one statement written with `?` placeholders; returns rows and the affected count. */
  run<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Result<T>>;
  rows<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  one<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
}

export interface Tx extends Queryable {
  readonly kind: 'tx';
  /** Runs `fn` once this transaction has committed (dropped on rollback), outside its context. */
  afterCommit(fn: () => void): void;
  /** `FOR UPDATE` where the database has row locks (Postgres); SQLite's transaction holds the whole file. */
  readonly forUpdate: string;
  /** `FOR UPDATE SKIP LOCKED` where the database has it (lets several processes share a queue). */
  readonly skipLocked: string;
}

export interface TransactionOptions {
  /**
   * Runs the whole function again when the database reports a conflict that a retry resolves
   * (unique violation by a concurrent insert, serialisation failure, deadlock): at most this often.
   */
  retries?: number;
}

/** Connections a process holds and work waiting for one (metrics: slate_db_pool_*). */
export interface PoolStats {
  /** Open connections (SQLite: its one connection). */
  total: number;
  /** Of those, connections no work is using right now. */
  idle: number;
  /** Queries or transactions waiting for a connection (SQLite: queued behind the one running). */
  waiting: number;
}

export interface Db extends Queryable {
  readonly kind: 'db';
  /** The pool right now; cheap (counters the driver keeps), no query. */
  stats(): PoolStats;
  transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * Runs `fn` only if no other Slate process (on this database) is running work under `name`
   * right now; returns undefined when another one is. Postgres: a session advisory lock; SQLite:
   * one process owns the file, so an in-process flag.
   */
  exclusive<T>(name: string, fn: () => Promise<T>): Promise<T | undefined>;
  /** Housekeeping outside any transaction (Postgres VACUUM); a no-op where nothing is needed. */
  maintenance(sql: string): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Thrown for a statement that bypasses the transaction its caller is in (see above). */
export class TransactionMisuseError extends Error {
  constructor(what: string) {
    super(`${what} inside a transaction: pass the transaction (tx) instead`);
    this.name = 'TransactionMisuseError';
  }
}

/** A database error without the statement's parameters (they may hold tokens or pupils' data). */
export class QueryError extends Error {
  /** SQLSTATE on Postgres (23505 …), SQLITE_* on SQLite. */
  readonly code: string | undefined;
  readonly constraint: string | undefined;

  constructor(message: string, readonly sql: string, driver: { code?: unknown; constraint?: unknown }) {
    super(`${message} [${sql.replace(/\s+/g, ' ').slice(0, 200)}]`);
    this.name = 'QueryError';
    this.code = typeof driver.code === 'string' ? driver.code : undefined;
    this.constraint = typeof driver.constraint === 'string' ? driver.constraint : undefined;
  }
}

/** Unique-constraint violations, as reported by better-sqlite3 and pg. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Conflicts that running the transaction again resolves. */
export function isRetryableConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return isUniqueViolation(err) || code === '40001' || code === '40P01' || code === 'SQLITE_BUSY';
}

/**
 * Tracks which transaction the running code is inside, per database: the guard behind
 * TransactionMisuseError. A transaction that has finished no longer counts, so work its function
 * left running (a kicked dispatcher) may use the database freely.
 *
 * The guard is an assertion on Slate's own code (a forgotten handle), and on Node 20 it is not
 * free: the first AsyncLocalStorage.run turns on promise hooks for the whole process, which cost
 * the device endpoints 5-7 % of their throughput (docs/benchmarks.md, command poll). Tests and
 * development run with it; production (DATABASE_TRANSACTION_GUARD) does not by default.
 */
export class TransactionScope {
  private readonly current: AsyncLocalStorage<{ open: boolean }> | undefined;

  constructor(enabled = true) {
    this.current = enabled ? new AsyncLocalStorage<{ open: boolean }>() : undefined;
  }

  run<T>(fn: () => Promise<T>): { done(): void; result: Promise<T> } {
    const marker = { open: true };
    return { done: () => (marker.open = false), result: this.current ? this.current.run(marker, fn) : fn() };
  }

  assertOutside(what: string): void {
    if (this.current?.getStore()?.open) throw new TransactionMisuseError(what);
  }

  /** Runs `fn` in no transaction's context (after-commit callbacks). */
  outside(fn: () => void): void {
    if (this.current) this.current.exit(fn);
    else fn();
  }
}

/** Parameters as both drivers bind them: Dates as each stores them, no NULs in text, no undefined. */
export function bindParam(dialect: Dialect, p: unknown): unknown {
  if (p === undefined || p === null) return null;
  if (typeof p === 'string') return p.includes('\u0000') ? p.replace(/\u0000/g, '\uFFFD') : p;
  if (p instanceof Date) return dialect === 'postgres' ? p : p.toISOString().replace('T', ' ').replace('Z', '');
  if (typeof p === 'boolean' && dialect === 'sqlite') return p ? 1 : 0;
  return p;
}

/** A `(?, ?, ...), (...)` list for multi-row inserts. */
export function valuesList(rows: number, columns: number): string {
  const one = `(${new Array(columns).fill('?').join(', ')})`;
  return new Array(rows).fill(one).join(', ');
}

/** `?, ?, ?` for an IN list of n items. */
export function placeholders(n: number): string {
  return new Array(n).fill('?').join(', ');
}

/** What both databases' transactions share: the state, the read helpers, the after-commit list. */
export abstract class TxBase implements Tx {
  readonly kind = 'tx';
  abstract readonly dialect: Dialect;
  abstract readonly forUpdate: string;
  abstract readonly skipLocked: string;
  private open = true;
  private readonly after: (() => void)[] = [];

  protected abstract exec<T>(sql: string, params: readonly unknown[]): Promise<Result<T>> | Result<T>;

  async run<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Result<T>> {
    if (!this.open) throw new TransactionMisuseError('a statement on a finished transaction');
    return this.exec<T>(sql, params);
  }

  async rows<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.run<T>(sql, params)).rows;
  }

  async one<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.run<T>(sql, params)).rows[0];
  }

  afterCommit(fn: () => void): void {
    this.after.push(fn);
  }

  /** No statement may run on it any more (called before COMMIT or ROLLBACK). */
  finish(): void {
    this.open = false;
  }

  /** Runs the after-commit work on a later tick, in no transaction's context. */
  committed(scope: TransactionScope): void {
    if (this.after.length === 0) return;
    const fns = this.after.splice(0);
    scope.outside(() => setImmediate(() => {
      for (const fn of fns) fn();
    }));
  }
}

/** Runs `fn(tx)` in a transaction on `scope`: commit on success, rollback on failure. */
export async function inTransaction<T, X extends TxBase>(
  scope: TransactionScope, tx: X, fn: (tx: X) => Promise<T>,
  sql: { begin(): Promise<unknown> | unknown; commit(): Promise<unknown> | unknown; rollback(): Promise<unknown> | unknown },
): Promise<T> {
  await sql.begin();
  const scoped = scope.run(() => fn(tx));
  let result: T;
  try {
    result = await scoped.result;
  } catch (err) {
    scoped.done();
    tx.finish();
    await sql.rollback();
    throw err;
  }
  scoped.done();
  tx.finish();
  await sql.commit();
  tx.committed(scope);
  return result;
}

/** Runs a transaction again on conflicts a retry resolves, at most `retries` times. */
export async function withRetries<T>(retries: number, attempt: () => Promise<T>): Promise<T> {
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (n >= retries || !isRetryableConflict(err)) throw err;
    }
  }
}

/**
 * A store method that is one atomic unit: it joins the caller's transaction when given one, and
 * otherwise is its own (one statement where the database can do it in one, else a transaction).
 */
export type Atomic = Db | Tx;

export function atomically<T>(w: Atomic, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return w.kind === 'tx' ? fn(w) : w.transaction(fn);
}
