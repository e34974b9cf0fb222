import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cols, orgFk } from './helpers';

/**
 * Webhooks (issue #13): subscriptions per scope, a durable outbox, the delivery log, and the
 * watermarks of the event sources. Events are found in facts Slate already stores durably (answers
 * in command_history, CheckOut check-ins, devices.enrolled_at, certificates' expiry), so each has a
 * stable id; (webhook, event) is unique, and a source that looks at a window twice adds nothing.
 */
export class Webhooks1700000000015 implements MigrationInterface {
  name = 'Webhooks1700000000015';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    const hookFk = () => new TableForeignKey({ columnNames: ['webhook_id'], referencedTableName: 'webhooks', referencedColumnNames: ['id'], onDelete: 'CASCADE' });
    await qr.createTable(new Table({
      name: 'webhooks',
      columns: [
        c.id(), c.str('url', 2000), c.text('secret_sealed'), c.str('events', 1000), c.uuid('scope_unit_id'), c.str('created_by', 200, true),
        c.ts('created_at'), c.ts('disabled_at', true),
      ],
      foreignKeys: [orgFk('scope_unit_id')],
    }));
    await qr.createTable(new Table({
      name: 'webhook_outbox',
      columns: [
        c.seq(), c.uuid('webhook_id'), c.str('event_id', 200), c.str('event', 64), c.text('payload'), c.int('attempts', false, 0),
        c.ts('next_attempt_at'), c.ts('lease_until', true), c.ts('created_at'),
      ],
      indices: [
        new TableIndex({ name: 'uq_webhook_outbox_event', columnNames: ['webhook_id', 'event_id'], isUnique: true }),
        new TableIndex({ name: 'ix_webhook_outbox_due', columnNames: ['next_attempt_at'] }),
      ],
      foreignKeys: [hookFk()],
    }));
    await qr.createTable(new Table({
      name: 'webhook_deliveries',
      columns: [
        c.seq(), c.uuid('webhook_id'), c.str('event_id', 200), c.str('event', 64), c.int('attempt'), c.int('status_code', true),
        c.str('error', 200, true), c.int('duration_ms'), c.str('outcome', 16), c.ts('at'),
      ],
      indices: [new TableIndex({ name: 'ix_webhook_deliveries_hook', columnNames: ['webhook_id', 'id'] })],
      foreignKeys: [hookFk()],
    }));
    await qr.createTable(new Table({ name: 'webhook_sources', columns: [{ ...c.str('name', 64), isPrimary: true }, c.ts('scanned_until')] }));
    await qr.query('CREATE INDEX ix_devices_enrolled_at ON devices (enrolled_at)');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query('DROP INDEX ix_devices_enrolled_at');
    for (const t of ['webhook_sources', 'webhook_deliveries', 'webhook_outbox', 'webhooks']) await qr.dropTable(t);
  }
}
