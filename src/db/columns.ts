import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Every difference between SQLite and PostgreSQL that Slate cares about lives in this file:
 * column types, how timestamps travel through raw SQL, and how a parameter is written.
 * Entities, migrations and stores ask this file instead of branching on the driver themselves.
 */
export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(source: DataSource | QueryRunner): Dialect {
  const type = 'connection' in source ? source.connection.options.type : source.options.type;
  return type === 'postgres' ? 'postgres' : 'sqlite';
}

/** Column types for entity schemas (TypeORM converts values according to these). */
export interface ColumnTypes {
  uuid: 'uuid' | 'varchar';
  timestamp: 'timestamptz' | 'datetime';
  json: 'jsonb' | 'simple-json';
  bytes: 'bytea' | 'blob';
}

export function entityTypes(d: Dialect): ColumnTypes {
  return d === 'postgres'
    ? { uuid: 'uuid', timestamp: 'timestamptz', json: 'jsonb', bytes: 'bytea' }
    : { uuid: 'varchar', timestamp: 'datetime', json: 'simple-json', bytes: 'blob' };
}

/** Column types as written in migrations (DDL). */
export function ddlTypes(d: Dialect) {
  return d === 'postgres'
    ? { uuid: 'uuid', timestamp: 'timestamptz', json: 'jsonb', bytes: 'bytea', text: 'text', bool: 'boolean', int: 'integer', bigint: 'bigint' }
    : { uuid: 'varchar', timestamp: 'datetime', json: 'text', bytes: 'blob', text: 'text', bool: 'boolean', int: 'integer', bigint: 'bigint' };
}

/**
 * A Date as a raw-SQL parameter. TypeORM stores SQLite datetimes as UTC text
 * `YYYY-MM-DD HH:MM:SS.SSS`; raw queries must use the same form so that comparisons sort right.
 */
export function sqlDate(d: Dialect, date: Date): Date | string {
  return d === 'postgres' ? date : date.toISOString().replace('T', ' ').replace('Z', '');
}

/** Reads a timestamp column returned by a raw query. */
export function readDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  const s = String(value);
  return new Date(s.includes('T') || s.endsWith('Z') ? s : s.replace(' ', 'T') + 'Z');
}

/** Positional parameter placeholder: `$1` on Postgres, `?` on SQLite. */
export function param(d: Dialect, index: number): string {
  return d === 'postgres' ? `$${index}` : '?';
}

/** A boolean as returned by raw queries (SQLite answers 0/1). */
export function readBool(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

/**
 * SQL that counts tables of this name where Slate's tables live (column `present`): for the checks
 * that run before migrations, on a database that may not have the table yet.
 */
export function tableExistsSql(d: Dialect): string {
  return d === 'postgres'
    ? `SELECT COUNT(*) AS present FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?`
    : `SELECT COUNT(*) AS present FROM sqlite_master WHERE type = 'table' AND name = ?`;
}
