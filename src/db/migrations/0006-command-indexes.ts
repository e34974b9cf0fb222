import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes of the hot command tables, tuned by the command-poll benchmark.
 *
 * The next-command query orders by `priority DESC, id ASC`. An index on (device_id, priority, id)
 * cannot deliver that mixed order, so both databases sorted every pending row of the device on
 * each poll (a device with a long backlog made every poll slower). This index matches the order,
 * so the query reads one index entry. Written as SQL because TypeORM's TableIndex has no per-column
 * direction; the statement is the same on SQLite and Postgres.
 *
 * Every poll that finishes a command deletes a queue row and inserts a history row, and each index
 * on them is another page written per commit. `command_queue` holds only pending work (small), so
 * the expiry sweep and bulk progress scan it without indexes; in the history only bulk commands
 * need the bulk index, so it becomes partial.
 */
export class CommandIndexes1700000000006 implements MigrationInterface {
  name = 'CommandIndexes1700000000006';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('CREATE INDEX ix_command_queue_order ON command_queue (device_id, priority DESC, id ASC)');
    await qr.query('DROP INDEX ix_command_queue_next');
    await qr.query('DROP INDEX ix_command_queue_expires');
    await qr.query('DROP INDEX ix_command_queue_bulk');
    await qr.query('DROP INDEX ix_command_history_bulk');
    await qr.query('CREATE INDEX ix_command_history_bulk ON command_history (bulk_job_id) WHERE bulk_job_id IS NOT NULL');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query('DROP INDEX ix_command_history_bulk');
    await qr.query('CREATE INDEX ix_command_history_bulk ON command_history (bulk_job_id)');
    await qr.query('CREATE INDEX ix_command_queue_bulk ON command_queue (bulk_job_id)');
    await qr.query('CREATE INDEX ix_command_queue_expires ON command_queue (expires_at)');
    await qr.query('CREATE INDEX ix_command_queue_next ON command_queue (device_id, priority, id)');
    await qr.query('DROP INDEX ix_command_queue_order');
  }
}
