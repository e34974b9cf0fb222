import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cols } from './helpers';

/**
 * APNs: the push certificate(s) and the push outbox. The outbox is written in the same
 * transaction as the commands that need a push, so a crash between commit and send loses nothing:
 * the dispatcher finds the row on its next round, in this process or another one.
 */
export class Apns1700000000005 implements MigrationInterface {
  name = 'Apns1700000000005';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    await qr.createTable(
      new Table({
        name: 'apns_certificates',
        columns: [
          c.id(),
          c.str('topic', 255),
          c.text('cert_pem'),
          // SecretBox('push-key'): the private key never rests in clear.
          c.text('key_sealed'),
          c.ts('not_after'),
          c.str('fingerprint', 64),
          c.ts('uploaded_at'),
          c.bool('active', false),
        ],
        indices: [new TableIndex({ name: 'ix_apns_certificates_active', columnNames: ['active'] })],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'push_outbox',
        columns: [
          // One row per device: many wakes before a send coalesce into one push.
          { ...c.uuid('device_id'), isPrimary: true },
          // Bumped by every wake; a send deletes the row only if no wake came in meanwhile.
          c.int('generation', false, 1),
          c.ts('enqueued_at'),
          c.int('attempts', false, 0),
          c.ts('next_attempt_at'),
          c.str('last_error', 200, true),
        ],
        indices: [new TableIndex({ name: 'ix_push_outbox_due', columnNames: ['next_attempt_at'] })],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        ],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('push_outbox');
    await qr.dropTable('apns_certificates');
  }
}
