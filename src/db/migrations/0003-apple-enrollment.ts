import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cols, orgFk } from './helpers';

/** Enrolment links, the Apple side of a device, check-in history and inventory snapshots. */
export class AppleEnrollment1700000000003 implements MigrationInterface {
  name = 'AppleEnrollment1700000000003';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    await qr.createTable(
      new Table({
        name: 'enrollment_tokens',
        columns: [
          c.id(),
          c.str('token_hash', 64),
          c.str('platform', 16),
          c.uuid('school_id'),
          c.uuid('grade_id'),
          c.uuid('class_id', true),
          c.str('label', 200, true),
          c.ts('expires_at'),
          c.ts('revoked_at', true),
          c.int('uses', false, 0),
          c.int('max_uses', true),
          c.ts('last_used_at', true),
          c.str('created_by', 200, true),
          c.ts('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_enrollment_tokens_hash', columnNames: ['token_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_enrollment_tokens_school', columnNames: ['school_id'] }),
        ],
        foreignKeys: [orgFk('school_id'), orgFk('grade_id'), orgFk('class_id')],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'apple_devices',
        columns: [
          { ...c.uuid('device_id'), isPrimary: true },
          c.str('udid', 64),
          c.uuid('enrollment_token_id', true),
          c.str('cert_fingerprint', 64, true),
          c.str('topic', 255, true),
          c.str('push_token', 128, true),
          c.str('push_magic', 128, true),
          c.ts('token_invalid_at', true),
          c.text('unlock_token', true),
          c.text('bootstrap_token', true),
          c.bool('awaiting_configuration', false),
          c.str('enrolled_via', 16),
          c.ts('authenticated_at', true),
          c.ts('token_updated_at', true),
          c.ts('checked_out_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_apple_devices_udid', columnNames: ['udid'], isUnique: true }),
          new TableIndex({ name: 'ix_apple_devices_cert', columnNames: ['cert_fingerprint'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
          new TableForeignKey({ columnNames: ['enrollment_token_id'], referencedTableName: 'enrollment_tokens', referencedColumnNames: ['id'], onDelete: 'SET NULL' }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'checkins',
        columns: [c.seq(), c.uuid('device_id', true), c.str('udid', 64), c.str('message_type', 32), c.str('os_version', 40, true), c.str('build_version', 40, true), c.ts('created_at')],
        indices: [
          new TableIndex({ name: 'ix_checkins_device', columnNames: ['device_id', 'id'] }),
          new TableIndex({ name: 'ix_checkins_created', columnNames: ['created_at'] }),
        ],
        foreignKeys: [new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'device_inventory',
        columns: [{ ...c.uuid('device_id'), isPrimary: true }, { ...c.str('kind', 40), isPrimary: true }, c.json('data', false), c.ts('updated_at')],
        foreignKeys: [new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('device_inventory');
    await qr.dropTable('checkins');
    await qr.dropTable('apple_devices');
    await qr.dropTable('enrollment_tokens');
  }
}
