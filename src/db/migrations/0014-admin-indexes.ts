import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin API (issue #13), measured with `npm run bench -- admin` (docs/benchmarks.md).
 *  - Bulk-job progress counts a job's commands by status in the queue and the history. 0006 dropped
 *    the queue's bulk index because the queue is small; a school-wide job puts 10,000 rows into it
 *    at once, and the count scanned the whole queue on every progress request. The index is partial
 *    (single-device commands write no entry) and holds the job only: with `status` in it, marking a
 *    command sent would change an indexed column and no longer be a HOT update on Postgres (0008).
 *    History rows never change status, so there (job, status) replaces 0006's (job) index and the
 *    count reads index entries only.
 *  - Device search pages by id inside a school: (school_id, id) hands the rows out in page order,
 *    so the first page reads about one page of entries instead of the whole school, sorted.
 */
export class AdminIndexes1700000000014 implements MigrationInterface {
  name = 'AdminIndexes1700000000014';

  async up(qr: QueryRunner): Promise<void> {
    await qr.query('CREATE INDEX ix_command_queue_bulk ON command_queue (bulk_job_id) WHERE bulk_job_id IS NOT NULL');
    await qr.query('CREATE INDEX ix_command_history_bulk_status ON command_history (bulk_job_id, status) WHERE bulk_job_id IS NOT NULL');
    await qr.query('DROP INDEX ix_command_history_bulk');
    await qr.query('CREATE INDEX ix_devices_school_id ON devices (school_id, id)');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query('DROP INDEX ix_devices_school_id');
    await qr.query('CREATE INDEX ix_command_history_bulk ON command_history (bulk_job_id) WHERE bulk_job_id IS NOT NULL');
    await qr.query('DROP INDEX ix_command_history_bulk_status');
    await qr.query('DROP INDEX ix_command_queue_bulk');
  }
}
