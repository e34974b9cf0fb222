import type { DataSource, EntityManager } from 'typeorm';
import { dialectOf, sqlDate, type Dialect } from './columns';

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

  constructor(readonly ds: DataSource) {
    this.dialect = dialectOf(ds);
  }

  /** Runs a statement; returns rows (SELECT or RETURNING) and the affected-row count. */
  async run<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = [], ex?: Executor): Promise<Result<T>> {
    // EntityManager.query drops TypeORM's structured result (affected rows, RETURNING on writes),
    // so go to the query runner: the transaction's own, or a pooled one released right after.
    const own = (ex as EntityManager | undefined)?.queryRunner;
    const qr = own ?? this.ds.createQueryRunner();
    try {
      const r = (await qr.query(this.text(sql), params.map((p) => this.bind(p)), true)) as { records?: T[]; affected?: number };
      return { rows: r.records ?? [], affected: r.affected ?? 0 };
    } finally {
      // SQLite hands out one shared runner that must stay open; Postgres runners return to the pool.
      if (!own && this.dialect === 'postgres') await qr.release();
    }
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

  private text(sql: string): string {
    if (this.dialect === 'sqlite') return sql;
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
