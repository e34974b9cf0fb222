import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../columns';

/**
 * Postgres storage settings for the command queue, a table whose rows live minutes: every answered
 * command is deleted from it (moved to command_history).
 *  - Autovacuum by row count, not by a fraction of the table: with the default 20 % a small, busy
 *    queue piles up dead index entries that every next-command lookup walks past.
 *  - fillfactor 80 leaves room on each page so marking a command sent (status, sent_at, attempts:
 *    no indexed column) is a HOT update that writes no index entries.
 * command_history only grows; its defaults are right. SQLite has no such settings.
 */
const QUEUE = 'command_queue';
const SETTINGS = ['fillfactor = 80', 'autovacuum_vacuum_scale_factor = 0', 'autovacuum_vacuum_threshold = 1000', 'autovacuum_vacuum_cost_delay = 0'];

export class QueueStorage1700000000008 implements MigrationInterface {
  name = 'QueueStorage1700000000008';

  async up(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr.connection) !== 'postgres') return;
    await qr.query(`ALTER TABLE ${QUEUE} SET (${SETTINGS.join(', ')})`);
  }

  async down(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr.connection) !== 'postgres') return;
    await qr.query(`ALTER TABLE ${QUEUE} RESET (${SETTINGS.map((s) => s.split(' = ')[0]).join(', ')})`);
  }
}
