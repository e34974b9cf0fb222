import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cols } from './helpers';

/**
 * The command queue (DESIGN §4). Pending commands live in the small hot table `command_queue`;
 * a command leaves it for `command_history` in the same transaction that records its answer, so
 * the next-command query never scans finished work however long the history grows.
 */
export class CommandQueue1700000000004 implements MigrationInterface {
  name = 'CommandQueue1700000000004';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    const common = () => [
      c.str('command_uuid', 64),
      c.uuid('device_id'),
      c.str('request_type', 64),
      c.int('priority', false, 0),
      c.str('status', 24),
      c.json('params', true),
      c.int('not_now_count', false, 0),
      c.int('attempts', false, 0),
      c.uuid('bulk_job_id', true),
      c.str('created_by', 200, true),
      c.ts('enqueued_at'),
      c.ts('pushed_at', true),
      c.ts('sent_at', true),
      c.ts('expires_at', true),
    ];
    await qr.createTable(
      new Table({
        name: 'bulk_jobs',
        columns: [c.id(), c.str('request_type', 64), c.str('target', 200), c.int('total', false, 0), c.str('created_by', 200, true), c.ts('created_at')],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'command_queue',
        columns: [c.seq(), ...common(), c.text('body'), c.bool('body_sealed', false)],
        indices: [
          new TableIndex({ name: 'uq_command_queue_uuid', columnNames: ['command_uuid'], isUnique: true }),
          new TableIndex({ name: 'ix_command_queue_next', columnNames: ['device_id', 'priority', 'id'] }),
          new TableIndex({ name: 'ix_command_queue_expires', columnNames: ['expires_at'] }),
          new TableIndex({ name: 'ix_command_queue_bulk', columnNames: ['bulk_job_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'command_history',
        columns: [
          { ...c.bigint('id'), isPrimary: true },
          ...common(),
          c.ts('finished_at'),
          c.str('result_status', 32, true),
          c.json('error_chain', true),
          c.text('result_raw', true),
          c.str('note', 200, true),
        ],
        indices: [
          new TableIndex({ name: 'uq_command_history_uuid', columnNames: ['command_uuid'], isUnique: true }),
          new TableIndex({ name: 'ix_command_history_device', columnNames: ['device_id', 'id'] }),
          new TableIndex({ name: 'ix_command_history_bulk', columnNames: ['bulk_job_id'] }),
          new TableIndex({ name: 'ix_command_history_finished', columnNames: ['finished_at'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('command_history');
    await qr.dropTable('command_queue');
    await qr.dropTable('bulk_jobs');
  }
}
