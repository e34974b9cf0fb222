import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import type { Db } from './database';
import { buildDataSource, describeDatabase } from './data-source';
import { lockKey, PostgresDatabase } from './postgres-database';
import { SqliteDatabase } from './sqlite-database';

export interface OpenOptions {
  /** Postgres schema (tests); overrides DATABASE_SCHEMA. */
  schema?: string;
  logger?: Logger;
  /** SQLite: WAL checkpoints in a worker thread (the server; default true). */
  checkpointInWorker?: boolean;
}

/** Opens the database Slate runs on; an unreachable database becomes one clear error. */
export async function openDatabase(db: Config['database'], opts: OpenOptions = {}): Promise<Db> {
  try {
    const transactionGuard = db.transactionGuard ?? true;
    if (db.kind === 'sqlite') return SqliteDatabase.open(db.path, { ...opts, transactionGuard });
    const pg = new PostgresDatabase({ url: db.url, poolSize: db.poolSize, schema: opts.schema ?? db.schema, transactionGuard });
    await pg.ping().catch(async (err) => {
      await pg.close().catch(() => undefined);
      throw err;
    });
    return pg;
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new AppError('database_unavailable', `DATABASE_URL: cannot open ${describeDatabase(db)} (${e.code ?? e.message})`, { cause: err });
  }
}

/**
 * Runs `fn` on TypeORM's DataSource (migrations) while holding the cluster-wide migration lock:
 * several Slate processes starting at once on one Postgres run each migration exactly once.
 * SQLite files belong to one process; its write lock serialises the rest.
 */
export async function withSchema<T>(db: Config['database'], opts: OpenOptions, fn: (ds: DataSource) => Promise<T>): Promise<T> {
  if (db.kind === 'sqlite' && db.path !== ':memory:') {
    // Creates the file (and its directory) with owner-only permissions before TypeORM opens it.
    await SqliteDatabase.open(db.path, { checkpointInWorker: false }).close();
  }
  const schema = opts.schema ?? (db.kind === 'postgres' ? db.schema : undefined);
  const ds = buildDataSource(db, { schema });
  try {
    await ds.initialize();
  } catch (err) {
    const e = err as { code?: string; message: string };
    throw new AppError('database_unavailable', `DATABASE_URL: cannot open ${describeDatabase(db)} (${e.code ?? e.message})`, { cause: err });
  }
  try {
    if (db.kind === 'sqlite') return await fn(ds);
    return await withAdvisoryLock(db.url, `${schema ?? ''}:migrations`, () => fn(ds));
  } finally {
    await ds.destroy();
  }
}

/** Applies pending migrations; returns their names. */
export function migrate(db: Config['database'], opts: OpenOptions = {}): Promise<string[]> {
  return withSchema(db, opts, async (ds) => (await ds.runMigrations({ transaction: 'each' })).map((m) => m.name));
}

async function withAdvisoryLock<T>(url: string, name: string, fn: () => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [lockKey(name)]);
    return await fn();
  } finally {
    // Ending the session releases the lock even if the unlock is never sent.
    await client.end().catch(() => undefined);
  }
}

/** Undoes the most recent migration. */
export function undoLastMigration(db: Config['database'], opts: OpenOptions = {}): Promise<void> {
  return withSchema(db, opts, (ds) => ds.undoLastMigration({ transaction: 'each' }));
}

/** Undoes every migration (drops all of Slate's tables); returns how many. */
export function revertAllMigrations(db: Config['database'], opts: OpenOptions = {}): Promise<number> {
  return withSchema(db, opts, async (ds) => {
    let reverted = 0;
    // undoLastMigration is a no-op once nothing is left; count executed migrations to know when to stop.
    while (Number((await ds.query('SELECT COUNT(*) AS n FROM migrations'))[0].n) > 0) {
      await ds.undoLastMigration({ transaction: 'each' });
      reverted++;
    }
    return reverted;
  });
}
