import { TableColumnOptions, TableForeignKey, type QueryRunner } from 'typeorm';
import { ddlTypes, dialectOf } from '../columns';

/**
 * Column builders for migrations: one migration text serves both dialects because the
 * differences are looked up from columns.ts at run time.
 */
export function cols(qr: QueryRunner) {
  const t = ddlTypes(dialectOf(qr));
  const uuidLen = t.uuid === 'varchar' ? '36' : undefined;
  return {
    /** Auto-increment key: INTEGER PRIMARY KEY (the rowid) on SQLite, bigserial on Postgres. Orders FIFO work cheaply. */
    seq: (name = 'id'): TableColumnOptions => ({ name, type: t.uuid === 'uuid' ? 'bigint' : 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' }),
    id: (name = 'id'): TableColumnOptions => ({ name, type: t.uuid, length: uuidLen, isPrimary: true }),
    uuid: (name: string, nullable = false): TableColumnOptions => ({ name, type: t.uuid, length: uuidLen, isNullable: nullable }),
    str: (name: string, length: number, nullable = false): TableColumnOptions => ({ name, type: 'varchar', length: String(length), isNullable: nullable }),
    text: (name: string, nullable = false): TableColumnOptions => ({ name, type: t.text, isNullable: nullable }),
    int: (name: string, nullable = false, dflt?: number): TableColumnOptions => ({ name, type: t.int, isNullable: nullable, default: dflt }),
    bigint: (name: string, nullable = false): TableColumnOptions => ({ name, type: t.bigint, isNullable: nullable }),
    bool: (name: string, dflt: boolean): TableColumnOptions => ({ name, type: t.bool, isNullable: false, default: dflt }),
    ts: (name: string, nullable = false): TableColumnOptions => ({ name, type: t.timestamp, isNullable: nullable }),
    json: (name: string, nullable = true): TableColumnOptions => ({ name, type: t.json, isNullable: nullable }),
    bytes: (name: string, nullable = true): TableColumnOptions => ({ name, type: t.bytes, isNullable: nullable }),
  };
}

/** A column placing a row in the organisation tree; units in use cannot be deleted. */
export function orgFk(column: string, name?: string): TableForeignKey {
  return new TableForeignKey({ name, columnNames: [column], referencedTableName: 'org_units', referencedColumnNames: ['id'], onDelete: 'RESTRICT' });
}
