import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../log/logger';
import {
  bindParam, inTransaction, QueryError, TransactionMisuseError, TransactionScope, TxBase, withRetries,
  type Db, type PoolStats, type Result, type TransactionOptions, type Tx,
} from './database';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer';

/** The parts of better-sqlite3 used here (the package ships no types). */
interface Statement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
export interface SqliteConnection {
  prepare(sql: string): Statement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  close(): void;
  readonly inTransaction: boolean;
}

// better-sqlite3 ships no types; this is the constructor as documented.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const BetterSqlite3 = require('better-sqlite3') as new (path: string, opts: { timeout: number }) => SqliteConnection;

// Enough for every fixed statement in the code base; statements whose text grows with the data
// (IN lists, multi-row inserts) are prepared each time so they do not push the hot ones out.
const STATEMENT_CACHE = 256;
const CACHED_PARAMS = 16;

/**
 * SQLite on one better-sqlite3 connection owned by Slate. better-sqlite3 runs each statement
 * synchronously, so the only thing to arrange is who holds the connection: a transaction holds it
 * from BEGIN to COMMIT (its function may await in between), and a statement from outside waits for
 * it. Nobody waiting and no transaction open: the statement runs at once, without a promise hop,
 * which is what keeps a device poll on SQLite in the tens of microseconds.
 */
export class SqliteDatabase implements Db {
  readonly kind = 'db';
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Statement>();
  private readonly scope: TransactionScope;
  /** The end of the queue of work waiting for the connection. */
  private tail: Promise<unknown> = Promise.resolve();
  /** Jobs queued or running; while 0, a statement may run at once. */
  private queued = 0;
  private readonly running = new Set<string>();
  private checkpointer: Checkpointer | undefined;
  private closed = false;

  private constructor(private readonly conn: SqliteConnection, transactionGuard: boolean) {
    this.scope = new TransactionScope(transactionGuard);
  }

  /**
   * Opens (creating) the database file: owner-only permissions for the file, its WAL and SHM, and
   * the directory, because it holds sealed secrets and pupils' devices.
   */
  static open(path: string, opts: { logger?: Logger; checkpointInWorker?: boolean; transactionGuard?: boolean } = {}): SqliteDatabase {
    const memory = path === ':memory:';
    if (!memory) {
      const dir = dirname(path);
      if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
    }
    const previous = process.umask(0o077);
    let conn: SqliteConnection;
    try {
      conn = new BetterSqlite3(path, { timeout: 5000 });
      // WAL with NORMAL sync is durable across process crashes and far faster than FULL.
      if (!memory) conn.pragma('journal_mode = WAL');
      conn.pragma('synchronous = NORMAL');
      conn.pragma('foreign_keys = ON');
      // One process owns the file: a 64 MiB page cache and memory-mapped reads keep the hot pages
      // (queue, devices, certificates) out of read syscalls on every poll.
      conn.pragma('cache_size = -65536');
      conn.pragma('mmap_size = 268435456');
      conn.pragma('temp_store = MEMORY');
    } finally {
      process.umask(previous);
    }
    if (!memory) for (const f of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
    const db = new SqliteDatabase(conn, opts.transactionGuard ?? true);
    if (!memory && opts.checkpointInWorker !== false) db.checkpointer = startCheckpointer(conn, path, { logger: opts.logger });
    return db;
  }

  /** The raw connection (tests and the checkpointer's diagnostics). */
  get connection(): SqliteConnection {
    return this.conn;
  }

  get checkpoints(): Checkpointer | undefined {
    return this.checkpointer;
  }

  run<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Result<T>> {
    this.scope.assertOutside('a statement on the database handle');
    if (this.queued === 0) {
      try {
        return Promise.resolve(this.exec<T>(sql, params));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.exclusive_(() => this.exec<T>(sql, params));
  }

  async rows<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.run<T>(sql, params)).rows;
  }

  async one<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.run<T>(sql, params)).rows[0];
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    this.scope.assertOutside('a nested transaction');
    return withRetries(opts.retries ?? 0, () => this.exclusive_(() => inTransaction(this.scope, new SqliteTx(this), fn, {
      // IMMEDIATE: take the write lock now, so that another process on the file (the CLI) makes this
      // one wait at BEGIN (busy_timeout) instead of failing when a read would have to become a write.
      begin: () => this.conn.exec('BEGIN IMMEDIATE'),
      commit: () => {
        try {
          this.conn.exec('COMMIT');
        } catch (err) {
          if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
          throw err;
        }
      },
      rollback: () => {
        if (this.conn.inTransaction) this.conn.exec('ROLLBACK');
      },
    })));
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    if (this.running.has(name)) return undefined;
    this.running.add(name);
    try {
      return await fn();
    } finally {
      this.running.delete(name);
    }
  }

  async maintenance(): Promise<void> {
    // SQLite frees pages of deleted rows at once; nothing to reclaim.
  }

  async ping(): Promise<void> {
    await this.run('SELECT 1');
  }

  stats(): PoolStats {
    // `queued` counts the job holding the connection too; statements that ran at once never queue.
    return { total: 1, idle: this.queued === 0 ? 1 : 0, waiting: Math.max(0, this.queued - 1) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail.catch(() => undefined);
    // Worker first: the main connection closes last, checkpoints what is left and removes the WAL.
    await this.checkpointer?.stop();
    this.conn.close();
  }

  /** Runs a statement on the connection; the caller holds it. */
  exec<T>(sql: string, params: readonly unknown[]): Result<T> {
    if (this.closed) throw new QueryError('database is closed', sql, {});
    const values = params.map((p) => bindParam('sqlite', p));
    try {
      const stmt = this.prepare(sql, values.length);
      if (stmt.reader) {
        // SELECT, or a write with RETURNING: one row per affected row, as Postgres counts it.
        const rows = stmt.all(...values) as T[];
        return { rows, affected: rows.length };
      }
      return { rows: [], affected: stmt.run(...values).changes };
    } catch (err) {
      if (err instanceof TransactionMisuseError || err instanceof QueryError) throw err;
      const e = err as Error & { code?: string };
      throw new QueryError(e.message, sql, e);
    }
  }

  private prepare(sql: string, params: number): Statement {
    let stmt = this.statements.get(sql);
    if (stmt) return stmt;
    stmt = this.conn.prepare(sql);
    if (params <= CACHED_PARAMS) {
      // Oldest first out (Map keeps insertion order).
      if (this.statements.size >= STATEMENT_CACHE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  /** Runs `fn` when everything queued before it has finished. */
  private exclusive_<T>(fn: () => Promise<T> | T): Promise<T> {
    this.queued++;
    const run = this.tail.then(fn);
    // Registered before the caller can await `run`, so the count drops before anyone resumes.
    const done = () => {
      this.queued--;
    };
    this.tail = run.then(done, done);
    return run;
  }
}

class SqliteTx extends TxBase {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  readonly skipLocked = '';

  constructor(private readonly db: SqliteDatabase) {
    super();
  }

  protected exec<T>(sql: string, params: readonly unknown[]): Result<T> {
    return this.db.exec<T>(sql, params);
  }
}
