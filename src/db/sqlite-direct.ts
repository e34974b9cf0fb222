import { QueryFailedError, type DataSource } from 'typeorm';
import type { Result } from './sql';
import { sqliteSerial, type SqliteSerial } from './sqlite-serial';

/** The parts of better-sqlite3 used here (the package ships no types). */
interface Statement {
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}
interface Database {
  prepare(sql: string): Statement;
}

// Enough for every fixed statement in the code base; statements whose text grows with the data
// (IN lists, multi-row inserts) are prepared each time so they do not push the hot ones out.
const CACHE_SIZE = 256;
const CACHED_PARAMS = 16;

/**
 * Runs statements straight on TypeORM's one better-sqlite3 connection, with prepared statements
 * cached per SQL text: TypeORM's QueryRunner.query (async hops, broadcaster, logger, result
 * object) costs more than a poll's statements themselves. Access stays serialised by
 * sqlite-serial.ts, so a statement never runs inside someone else's transaction.
 */
export class SqliteDirect {
  private readonly statements = new Map<string, Statement>();

  private constructor(readonly db: Database, private readonly serial: SqliteSerial) {}

  /** The executor for the connection `ds` has now (a new one after the DataSource is reopened). */
  static of(ds: DataSource, current: SqliteDirect | undefined): SqliteDirect {
    const db = (ds.driver as unknown as { databaseConnection?: Database }).databaseConnection;
    if (current && current.db === db) return current;
    const serial = sqliteSerial(ds);
    if (!db || !serial) throw new Error('SQLite DataSource is not open (use openDataSource)');
    return new SqliteDirect(db, serial);
  }

  /** Synchronous when it runs at once (errors are thrown); a promise when it has to wait. */
  run<T>(sql: string, values: unknown[]): Result<T> | Promise<Result<T>> {
    return this.serial.run(() => this.exec<T>(sql, values));
  }

  private exec<T>(sql: string, values: unknown[]): Result<T> {
    try {
      const stmt = this.prepare(sql, values.length);
      if (stmt.reader) {
        // SELECT, or a write with RETURNING: one row per affected row, as Postgres counts it.
        const rows = stmt.all(...values) as T[];
        return { rows, affected: rows.length };
      }
      return { rows: [], affected: stmt.run(...values).changes };
    } catch (err) {
      // As TypeORM reported it: the SqliteError (with its code) as driverError, plus the statement.
      throw new QueryFailedError(sql, values, err as Error);
    }
  }

  private prepare(sql: string, params: number): Statement {
    let stmt = this.statements.get(sql);
    if (stmt) return stmt;
    stmt = this.db.prepare(sql);
    if (params <= CACHED_PARAMS) {
      // Oldest first out (Map keeps insertion order).
      if (this.statements.size >= CACHE_SIZE) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }
}
