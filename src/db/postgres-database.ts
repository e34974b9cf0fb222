import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type PoolConfig } from 'pg';
import {
  bindParam, inTransaction, QueryError, TransactionScope, TxBase, withRetries,
  type Db, type PoolStats, type Result, type TransactionOptions, type Tx,
} from './database';

export interface PostgresOptions {
  url: string;
  poolSize: number;
  /** Schema to live in (tests give each file its own); also namespaces advisory locks. */
  schema?: string;
  /** TransactionMisuseError checks (default on; see TransactionScope). */
  transactionGuard?: boolean;
}

interface Queryable {
  query(q: { name?: string; text: string; values: unknown[] }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

// Statements built with a variable number of placeholders (IN lists, multi-row inserts) are not
// worth a server-side plan per shape.
const NAMED_MAX_PARAMS = 16;

/**
 * PostgreSQL through node-postgres' Pool. Statements are written once with `?` placeholders and
 * turned into `$n`; fixed statements run as named prepared statements, so Postgres parses and
 * plans each once per connection instead of on every device poll (test/bench/command-poll.bench.ts).
 */
export class PostgresDatabase implements Db {
  readonly kind = 'db';
  readonly dialect = 'postgres';
  private readonly pool: Pool;
  private readonly scope: TransactionScope;
  private readonly converted = new Map<string, { text: string; name: string | undefined }>();
  private readonly namespace: string;

  constructor(private readonly opts: PostgresOptions) {
    const config: PoolConfig = { connectionString: opts.url, max: opts.poolSize, connectionTimeoutMillis: 5000 };
    if (opts.schema) config.options = `-c search_path=${opts.schema}`;
    this.pool = new Pool(config);
    // An idle client that loses its connection (database restart) must not crash the process; the
    // pool replaces it, and the next query reports the outage.
    this.pool.on('error', () => undefined);
    this.namespace = opts.schema ?? '';
    this.scope = new TransactionScope(opts.transactionGuard ?? true);
  }

  run<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<Result<T>> {
    this.scope.assertOutside('a statement on the database handle');
    return this.exec<T>(this.pool, sql, params);
  }

  async rows<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.run<T>(sql, params)).rows;
  }

  async one<T = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.run<T>(sql, params)).rows[0];
  }

  async transaction<T>(fn: (tx: Tx) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    this.scope.assertOutside('a nested transaction');
    return withRetries(opts.retries ?? 0, async () => {
      const client = await this.connect();
      let broken: Error | undefined;
      try {
        return await inTransaction(this.scope, new PostgresTx(this, client), fn, {
          begin: () => client.query('BEGIN'),
          commit: () => client.query('COMMIT'),
          rollback: () => client.query('ROLLBACK').catch((e: Error) => (broken = e)),
        });
      } finally {
        // A connection whose ROLLBACK failed is in an unknown state: drop it instead of reusing it.
        client.release(broken);
      }
    });
  }

  async exclusive<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
    const client = await this.connect();
    const key = lockKey(`${this.namespace}:${name}`);
    try {
      const r = await client.query('SELECT pg_try_advisory_lock($1) AS ok', [key]);
      if (!r.rows[0]?.ok) return undefined;
      try {
        return await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [key]);
      }
    } finally {
      client.release();
    }
  }

  async maintenance(sql: string): Promise<void> {
    this.scope.assertOutside('maintenance');
    await this.pool.query(sql);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  stats(): PoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private async connect(): Promise<PoolClient> {
    try {
      return await this.pool.connect();
    } catch (err) {
      const e = err as Error & { code?: string };
      throw new QueryError(e.message, 'connect', e);
    }
  }

  async exec<T>(target: Queryable, sql: string, params: readonly unknown[]): Promise<Result<T>> {
    const { text, name } = this.convert(sql, params.length);
    try {
      const r = await target.query({ name, text, values: params.map((p) => bindParam('postgres', p)) });
      return { rows: r.rows as T[], affected: r.rowCount ?? 0 };
    } catch (err) {
      const e = err as Error & { code?: string; constraint?: string };
      throw new QueryError(e.message, sql, e);
    }
  }

  /** `?` → `$n`, and the prepared statement's name for fixed statements. */
  private convert(sql: string, params: number): { text: string; name: string | undefined } {
    let out = this.converted.get(sql);
    if (out === undefined) {
      let n = 0;
      // Placeholders never appear inside Slate's string literals, so a plain scan is enough.
      const text = sql.replace(/\?/g, () => `$${++n}`);
      const name = params <= NAMED_MAX_PARAMS ? `slate_${createHash('sha1').update(text).digest('hex').slice(0, 16)}` : undefined;
      out = { text, name };
      if (name && this.converted.size < 1000) this.converted.set(sql, out);
    }
    return out;
  }
}

/** A 64-bit advisory lock key from a name (the same in every Slate process). */
export function lockKey(name: string): string {
  return createHash('sha256').update(name).digest().readBigInt64BE(0).toString();
}

class PostgresTx extends TxBase {
  readonly dialect = 'postgres';
  readonly forUpdate = ' FOR UPDATE';
  readonly skipLocked = ' FOR UPDATE SKIP LOCKED';

  constructor(private readonly db: PostgresDatabase, private readonly client: PoolClient) {
    super();
  }

  protected exec<T>(sql: string, params: readonly unknown[]): Promise<Result<T>> {
    return this.db.exec<T>(this.client as unknown as Queryable, sql, params);
  }
}
