import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import type { Dialect } from './columns';
import { entitiesFor } from './entities';
import { MIGRATIONS } from './migrations';
import { startCheckpointer, type Checkpointer, type MainConnection } from './sqlite-checkpointer';
import { sqliteSerial, serialiseSqlite } from './sqlite-serial';

const checkpointers = new WeakMap<DataSource, Checkpointer>();

export interface DataSourceOptions {
  /** Postgres schema to live in (tests give each file its own). */
  schema?: string;
}

export function dialectOfConfig(db: Config['database']): Dialect {
  return db.kind;
}

/** Builds (does not open) the DataSource. Schema changes happen only through MIGRATIONS. */
export function buildDataSource(db: Config['database'], opts: DataSourceOptions = {}): DataSource {
  const dialect = dialectOfConfig(db);
  const common = {
    entities: entitiesFor(dialect),
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
  } as const;
  if (db.kind === 'sqlite') {
    if (db.path !== ':memory:') mkdirSync(dirname(db.path), { recursive: true });
    return new DataSource({
      ...common,
      type: 'better-sqlite3',
      database: db.path,
      enableWAL: db.path !== ':memory:',
      timeout: 5000,
      statementCacheSize: 200,
      prepareDatabase: (conn: { pragma(s: string): unknown }) => {
        // WAL with NORMAL sync is durable across process crashes and far faster than FULL.
        conn.pragma('synchronous = NORMAL');
        conn.pragma('busy_timeout = 5000');
        // One process owns the file: a 64 MiB page cache and memory-mapped reads keep the hot
        // pages (queue, devices, certificates) out of read syscalls on every poll.
        conn.pragma('cache_size = -65536');
        conn.pragma('mmap_size = 268435456');
        conn.pragma('temp_store = MEMORY');
      },
    });
  }
  return new DataSource({
    ...common,
    type: 'postgres',
    url: db.url,
    schema: opts.schema,
    // Slate's named statements (sql.ts) and its PL/pgSQL function are point lookups and per-device
    // index ranges: one generic plan fits every call. Postgres would otherwise keep re-planning them
    // at each bind (measured: about a quarter of the database's CPU per device poll).
    extra: { max: db.poolSize, connectionTimeoutMillis: 5000, options: ['-c plan_cache_mode=force_generic_plan', ...(opts.schema ? [`-c search_path=${opts.schema}`] : [])].join(' ') },
  });
}

/** Opens the DataSource; an unreachable database becomes one clear error. */
export async function openDataSource(ds: DataSource, what: string, logger?: Logger): Promise<DataSource> {
  try {
    await ds.initialize();
    if (ds.options.type === 'better-sqlite3') {
      serialiseSqlite(ds);
      if (ds.options.database !== ':memory:') checkpointInWorker(ds, ds.options.database, logger);
    }
    return ds;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { code?: string };
    throw new AppError('database_unavailable', `DATABASE_URL: cannot open ${what} (${e.code ?? e.message})`, { cause: err });
  }
}

/** WAL checkpoints run in a worker thread (sqlite-checkpointer.ts) until the DataSource closes. */
function checkpointInWorker(ds: DataSource, path: string, logger?: Logger): void {
  const main = (ds.driver as unknown as { databaseConnection: MainConnection }).databaseConnection;
  const checkpointer = startCheckpointer(main, path, { logger });
  checkpointers.set(ds, checkpointer);
  const destroy = ds.destroy.bind(ds);
  // Worker first: then the main connection closes last, checkpoints what is left and removes the WAL.
  ds.destroy = async () => {
    await checkpointer.stop();
    return destroy();
  };
}

/** The WAL checkpointer of a file-backed SQLite DataSource (tests and diagnostics). */
export function checkpointerOf(ds: DataSource): Checkpointer | undefined {
  return checkpointers.get(ds);
}

/** Runs schema work that uses TypeORM's own transactions (see sqlite-serial.ts). */
export function withSchemaLock<T>(ds: DataSource, fn: () => Promise<T>): Promise<T> {
  const serial = sqliteSerial(ds);
  return serial ? serial.allowImplicit(fn) : fn();
}

export async function runMigrations(ds: DataSource): Promise<string[]> {
  const done = await withSchemaLock(ds, () => ds.runMigrations({ transaction: 'each' }));
  return done.map((m) => m.name);
}

export function undoLastMigration(ds: DataSource): Promise<void> {
  return withSchemaLock(ds, () => ds.undoLastMigration({ transaction: 'each' }));
}

export async function revertAllMigrations(ds: DataSource): Promise<number> {
  let reverted = 0;
  // undoLastMigration is a no-op once nothing is left; count executed migrations to know when to stop.
  while (Number((await ds.query('SELECT COUNT(*) AS n FROM migrations'))[0].n) > 0) {
    await undoLastMigration(ds);
    reverted++;
  }
  return reverted;
}

/** A human-readable name for log lines, without credentials. */
export function describeDatabase(db: Config['database']): string {
  if (db.kind === 'sqlite') return `sqlite ${db.path}`;
  const u = new URL(db.url);
  return `postgres ${u.hostname}:${u.port || 5432}${u.pathname}`;
}
