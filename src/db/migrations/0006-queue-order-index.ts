import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The next-command query orders by `priority DESC, id ASC`. An index on (device_id, priority, id)
 * cannot deliver that mixed order, so both databases sorted every pending row of the device on
 * each poll (a device with a long backlog made every poll slower). This index matches the order,
 * so the query reads one index entry. Written as SQL because TypeORM's TableIndex has no per-column
 * direction; the statement is the same on SQLite and Postgres.
 */
export class QueueOrderIndex1700000000006 implements MigrationInterface {
  name = 'QueueOrderIndex1700000000006';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('CREATE INDEX ix_command_queue_order ON command_queue (device_id, priority DESC, id ASC)');
    await qr.query('DROP INDEX ix_command_queue_next');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query('CREATE INDEX ix_command_queue_next ON command_queue (device_id, priority, id)');
    await qr.query('DROP INDEX ix_command_queue_order');
  }
}
