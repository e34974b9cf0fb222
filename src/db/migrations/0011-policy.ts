import { MigrationInterface, QueryRunner, Table, TableColumn, TableForeignKey, TableIndex } from 'typeorm';
import { cols } from './helpers';

/**
 * The policy catalog's database side (#12).
 *
 *  - policy_catalog_versions + policy_catalog_files: every applied catalog with its source files,
 *    so each Slate process plans against the same applied catalog (not the files on its own disk)
 *    and history shows what was applied when and by whom. The newest row is the current catalog.
 *  - policy_entry_versions: per entry, each definition it had (content hash = profile version
 *    basis; definition hash covers scope and apps too), and the catalog version that brought it.
 *  - device_policy_state: one row per device with what planning reads, compact: the Slate
 *    profiles of its last ProfileList, the apps Slate installed, and which of those its last
 *    InstalledApplicationList did not show (usually none: an empty list, not the device's apps). One row per device instead of one per app because a fleet plan
 *    reads it for 100,000 devices: 2 million managed-app rows would cost more than the plan itself.
 *  - device_policy_items: what Slate is doing about one profile or app of one device (a queued or
 *    acknowledged command, a refusal with backoff). Sparse: a converged device has none. Its rows
 *    and the device row lock are the gate that keeps concurrent reconcilers from enqueueing twice.
 *  - devices.asset_tag and devices.supervised (DeviceInformation IsSupervised) for variables and
 *    supervised-only entries.
 */
export class Policy1700000000011 implements MigrationInterface {
  name = 'Policy1700000000011';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    await qr.addColumn('devices', new TableColumn(c.str('asset_tag', 64, true)));
    await qr.addColumn('devices', new TableColumn({ ...c.bool('supervised', false), isNullable: true, default: undefined }));
    await qr.createTable(new Table({
      name: 'policy_catalog_versions',
      columns: [c.seq(), c.str('hash', 64), c.ts('applied_at'), c.str('applied_by', 200), c.int('entries', false, 0), c.json('warnings', true)],
      indices: [new TableIndex({ name: 'ix_policy_catalog_versions_hash', columnNames: ['hash'] })],
    }));
    await qr.createTable(new Table({
      name: 'policy_catalog_files',
      columns: [{ ...c.bigint('version_id'), isPrimary: true }, { ...c.str('path', 500), isPrimary: true }, c.bytes('bytes', false)],
      foreignKeys: [new TableForeignKey({ columnNames: ['version_id'], referencedTableName: 'policy_catalog_versions', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
    }));
    await qr.createTable(new Table({
      name: 'policy_entry_versions',
      columns: [
        { ...c.str('entry_id', 64), isPrimary: true }, { ...c.str('definition_hash', 64), isPrimary: true },
        c.str('content_hash', 64), c.bigint('version_id'), c.str('file', 500),
      ],
      foreignKeys: [new TableForeignKey({ columnNames: ['version_id'], referencedTableName: 'policy_catalog_versions', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
    }));
    await qr.createTable(new Table({
      name: 'device_policy_state',
      columns: [
        { ...c.uuid('device_id'), isPrimary: true }, c.text('profiles', true), c.text('missing_apps', true), c.text('managed_apps', true),
        c.ts('inventory_at', true), c.ts('updated_at'),
      ],
      foreignKeys: [new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
    }));
    await qr.createTable(new Table({
      name: 'device_policy_items',
      columns: [
        { ...c.uuid('device_id'), isPrimary: true }, { ...c.str('item', 8), isPrimary: true }, { ...c.str('target', 255), isPrimary: true },
        c.str('action', 16), c.str('entry_id', 64, true), c.str('expected_version', 64, true), c.str('state', 16),
        c.str('command_uuid', 64, true), c.int('attempts', false, 0), c.ts('retry_at', true), c.text('last_error', true),
        c.ts('alerted_at', true), c.ts('updated_at'),
      ],
      indices: [
        new TableIndex({ name: 'ix_device_policy_items_retry', columnNames: ['state', 'retry_at'] }),
        new TableIndex({ name: 'ix_device_policy_items_entry', columnNames: ['entry_id', 'state'] }),
        new TableIndex({ name: 'ix_device_policy_items_command', columnNames: ['command_uuid'] }),
      ],
      foreignKeys: [new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' })],
    }));
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('device_policy_items');
    await qr.dropTable('device_policy_state');
    await qr.dropTable('policy_entry_versions');
    await qr.dropTable('policy_catalog_files');
    await qr.dropTable('policy_catalog_versions');
    await qr.dropColumn('devices', 'supervised');
    await qr.dropColumn('devices', 'asset_tag');
  }
}
