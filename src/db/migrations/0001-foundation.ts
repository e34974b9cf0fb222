import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cols, orgFk } from './helpers';

/** Organisation tree and devices. */
export class Foundation1700000000001 implements MigrationInterface {
  // TypeORM orders migrations by the 13-digit number at the end of the name; ours count up from 1700000000001.
  name = 'Foundation1700000000001';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    await qr.createTable(
      new Table({
        name: 'org_units',
        columns: [
          c.id(),
          c.str('code', 64),
          c.str('kind', 16),
          c.str('name', 200),
          c.uuid('parent_id', true),
          c.str('path', 1000),
          c.int('grade_level', true),
          c.ts('created_at'),
          c.ts('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_org_units_code', columnNames: ['code'], isUnique: true }),
          new TableIndex({ name: 'ix_org_units_parent', columnNames: ['parent_id'] }),
          new TableIndex({ name: 'ix_org_units_path', columnNames: ['path'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ name: 'fk_org_units_parent', columnNames: ['parent_id'], referencedTableName: 'org_units', referencedColumnNames: ['id'], onDelete: 'RESTRICT' }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'devices',
        columns: [
          c.id(),
          c.str('platform', 16),
          c.str('udid', 64, true),
          c.str('serial_number', 64, true),
          c.str('android_name', 200, true),
          c.str('model', 100, true),
          c.str('model_name', 100, true),
          c.str('os_version', 40, true),
          c.str('build_version', 40, true),
          c.str('name', 200, true),
          c.uuid('school_id', true),
          c.uuid('grade_id', true),
          c.uuid('class_id', true),
          c.str('state', 16),
          c.ts('enrolled_at', true),
          c.ts('last_seen_at', true),
          c.ts('created_at'),
          c.ts('updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_devices_udid', columnNames: ['udid'], isUnique: true }),
          new TableIndex({ name: 'uq_devices_android_name', columnNames: ['android_name'], isUnique: true }),
          new TableIndex({ name: 'ix_devices_serial', columnNames: ['serial_number'] }),
          new TableIndex({ name: 'ix_devices_school_state', columnNames: ['school_id', 'state'] }),
        ],
        foreignKeys: ['school_id', 'grade_id', 'class_id'].map(
          (col) => orgFk(col, `fk_devices_${col}`),
        ),
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('devices');
    await qr.dropTable('org_units');
  }
}
