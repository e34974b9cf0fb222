import { DataSource } from 'typeorm';
import type { Config } from '../config';
import { entitiesFor } from './entities';
import { MIGRATIONS } from './migrations';

export interface DataSourceOptions {
  /** Postgres schema to live in (tests give each file its own). */
  schema?: string;
}

/**
 * TypeORM's DataSource: Slate's schema (the migrations) and its entity metadata. Only migrations
 * and the schema checks open it; requests run on src/db/database.ts.
 */
export function buildDataSource(db: Config['database'], opts: DataSourceOptions = {}): DataSource {
  const common = {
    entities: entitiesFor(db.kind),
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    logging: false,
  } as const;
  if (db.kind === 'sqlite') return new DataSource({ ...common, type: 'better-sqlite3', database: db.path, timeout: 5000 });
  const schema = opts.schema ?? db.schema;
  return new DataSource({
    ...common,
    type: 'postgres',
    url: db.url,
    schema,
    extra: { max: 2, connectionTimeoutMillis: 5000, ...(schema ? { options: `-c search_path=${schema}` } : {}) },
  });
}

/** A human-readable name for log lines, without credentials. */
export function describeDatabase(db: Config['database']): string {
  if (db.kind === 'sqlite') return `sqlite ${db.path}`;
  const u = new URL(db.url);
  return `postgres ${u.hostname}:${u.port || 5432}${u.pathname}${db.schema ? ` (schema ${db.schema})` : ''}`;
}
