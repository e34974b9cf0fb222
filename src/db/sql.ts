import { createHash } from 'node:crypto';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { dialectOf, sqlDate, type Dialect } from './columns';
import { SqliteDirect } from './sqlite-direct';

/**
 * Raw SQL for the hot paths (device polls, the command queue), where TypeORM's entity machinery
 * costs more than the query. Statements are written once with `?` placeholders; this turns them
 * into `$n` for Postgres and turns Dates and booleans into what each driver binds.
 */
export type Executor = Pick<EntityManager, 'query'>;

export interface Result<T> {
  rows: T[];
  affected: number;
}

export class Sql {
  readonly dialect: Dialect;
  private readonly converted = new Map<string, string>();
  private readonly names = new Map<string, string>();
  private sqlite?: SqliteDirect;

  constructor(readonly ds: DataSource) {
    this.dialect = dialectOf(ds);
  }

  /** Runs a statement; returns rows (SELECT or RETURNING) and the affected-row count. */
  async run<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], ex?: Executor): Promise<Result<T>> {
    const values = params.map((p) => this.bind(p));
    if (this.dialect === 'postgres') return this.runPg<T>(this.text(sql), values, (ex as EntityManager | undefined)?.queryRunner);
    // SQLite has one connection and one query runner for everyone, so `ex` names no connection of
    // its own: whether a statement belongs to the open transaction is decided by the async context
    // it runs in (sqlite-serial.ts), exactly as for TypeORM's own queries.
    this.sqlite = SqliteDirect.of(this.ds, this.sqlite);
    return this.sqlite.run<T>(sql, values);
  }

  /**
   * Postgres goes straight to node-postgres (the pool, or the transaction's client) with named
   * prepared statements: Postgres parses and plans each statement once per connection instead of
   * on every device poll (measured with test/bench/command-poll.bench.ts, docs/benchmarks.md).
   */
  private async runPg<T>(text: string, values: unknown[], own: QueryRunner | undefined): Promise<Result<T>> {
    type PgResult = { rows: T[]; rowCount: number | null };
    type PgQueryable = { query(q: { name?: string; text: string; values: unknown[] }): Promise<PgResult> };
    let target: PgQueryable;
    if (own) {
      const runner = own as QueryRunner & { databaseConnection?: PgQueryable };
      if (!runner.databaseConnection) await runner.connect();
      target = runner.databaseConnection!;
    } else {
      target = (this.ds.driver as unknown as { master: PgQueryable }).master;
    }
    // Statements built with a variable number of placeholders (IN lists, multi-row inserts) are
    // not worth a server-side plan per shape.
    const name = values.length <= 16 ? this.statementName(text) : undefined;
    const r = await target.query({ name, text, values });
    return { rows: r.rows, affected: r.rowCount ?? 0 };
  }

  private statementName(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `slate_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
      this.names.set(text, name);
    }
    return name;
  }

  async rows<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], ex?: Executor): Promise<T[]> {
    return (await this.run<T>(sql, params, ex)).rows;
  }

  async one<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], ex?: Executor): Promise<T | undefined> {
    return (await this.run<T>(sql, params, ex)).rows[0];
  }

  transaction<T>(fn: (ex: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  /** `FOR UPDATE SKIP LOCKED` where the database has it (lets several processes share a queue). */
  get skipLocked(): string {
    return this.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  }

  /** A `(?, ?, ...), (...)` list for multi-row inserts. */
  static values(rows: number, columns: number): string {
    const one = `(${new Array(columns).fill('?').join(', ')})`;
    return new Array(rows).fill(one).join(', ');
  }

  /** `?` → `$n` (Postgres only; SQLite takes `?` as written). */
  private text(sql: string): string {
    let out = this.converted.get(sql);
    if (out === undefined) {
      let n = 0;
      // Placeholders never appear inside our string literals, so a plain scan is enough.
      out = sql.replace(/\?/g, () => `$${++n}`);
      if (this.converted.size < 500) this.converted.set(sql, out);
    }
    return out;
  }

  private bind(p: unknown): unknown {
    if (p instanceof Date) return sqlDate(this.dialect, p);
    if (this.dialect === 'sqlite' && typeof p === 'boolean') return p ? 1 : 0;
    if (p === undefined) return null;
    return p;
  }
}

/** JSON columns come back parsed from Postgres (jsonb) and as text from SQLite. */
export function readJson<T>(value: unknown): T | null {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}
