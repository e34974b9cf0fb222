import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { dialectOf } from '../columns';
import { cols, orgFk } from './helpers';

/**
 * The admin API (issue #13): staff and their passkeys, invites, sessions, WebAuthn challenges,
 * API tokens, the scope of bulk jobs, and the hash-chained audit log.
 *
 * Secrets are stored as SHA-256 only (session cookies, invite links, API tokens); a passkey's
 * public key is not secret. `audit_log` is append-only twice over: triggers refuse UPDATE and
 * DELETE (so a mistaken statement fails loudly), and every row carries a MAC chained to the
 * previous one (so an edit by someone who dropped the triggers is found by `slate audit verify`).
 * `audit_head` is the one row appends lock and advance: it serialises appends, so the chain has
 * no forks however many processes write (a lock on the last log row would not: a waiter re-reads
 * that same row, not the one appended meanwhile).
 */
export class AdminApi1700000000013 implements MigrationInterface {
  name = 'AdminApi1700000000013';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    const staffFk = (onDelete: 'CASCADE' | 'SET NULL' = 'CASCADE') =>
      new TableForeignKey({ columnNames: ['staff_id'], referencedTableName: 'staff', referencedColumnNames: ['id'], onDelete });
    await qr.createTable(new Table({
      name: 'staff',
      columns: [
        c.id(), c.str('email', 254), c.str('display_name', 200), c.str('role', 32), c.uuid('scope_unit_id'),
        c.str('webauthn_user_id', 64), c.str('created_by', 200, true), c.ts('created_at'), c.ts('disabled_at', true),
      ],
      indices: [new TableIndex({ name: 'uq_staff_email', columnNames: ['email'], isUnique: true })],
      foreignKeys: [orgFk('scope_unit_id')],
    }));
    await qr.createTable(new Table({
      name: 'passkeys',
      columns: [
        { ...c.str('id', 512), isPrimary: true }, c.uuid('staff_id'), c.text('public_key'), c.bigint('counter'),
        c.str('transports', 200, true), c.str('name', 100), c.str('device_type', 32), c.bool('backed_up', false),
        c.ts('created_at'), c.ts('last_used_at', true),
      ],
      indices: [new TableIndex({ name: 'ix_passkeys_staff', columnNames: ['staff_id'] })],
      foreignKeys: [staffFk()],
    }));
    await qr.createTable(new Table({
      name: 'staff_invites',
      columns: [
        c.id(), c.str('token_hash', 64), c.str('email', 254), c.str('role', 32), c.uuid('scope_unit_id'),
        c.str('created_by', 200, true), c.ts('created_at'), c.ts('expires_at'), c.ts('used_at', true), c.uuid('staff_id', true),
      ],
      indices: [new TableIndex({ name: 'uq_staff_invites_hash', columnNames: ['token_hash'], isUnique: true })],
      foreignKeys: [orgFk('scope_unit_id'), staffFk('SET NULL')],
    }));
    await qr.createTable(new Table({
      name: 'webauthn_challenges',
      columns: [
        c.id(), c.str('challenge', 128), c.str('purpose', 16), c.uuid('staff_id', true), c.uuid('invite_id', true),
        c.ts('expires_at'), c.ts('used_at', true),
      ],
      indices: [new TableIndex({ name: 'ix_webauthn_challenges_expires', columnNames: ['expires_at'] })],
      foreignKeys: [staffFk()],
    }));
    await qr.createTable(new Table({
      name: 'staff_sessions',
      columns: [
        { ...c.str('id', 64), isPrimary: true }, c.uuid('staff_id'), c.str('csrf_token', 64), c.ts('created_at'),
        c.ts('last_seen_at'), c.ts('expires_at'), c.ts('step_up_at', true), c.str('ip', 64, true), c.ts('revoked_at', true),
      ],
      indices: [new TableIndex({ name: 'ix_staff_sessions_staff', columnNames: ['staff_id'] })],
      foreignKeys: [staffFk()],
    }));
    await qr.createTable(new Table({
      name: 'api_tokens',
      columns: [
        c.id(), c.str('name', 100), c.str('token_hash', 64), c.str('role', 32), c.uuid('scope_unit_id'),
        c.str('created_by', 200, true), c.ts('created_at'), c.ts('expires_at'), c.ts('revoked_at', true), c.ts('last_used_at', true),
      ],
      indices: [new TableIndex({ name: 'uq_api_tokens_hash', columnNames: ['token_hash'], isUnique: true })],
      foreignKeys: [orgFk('scope_unit_id')],
    }));
    await qr.createTable(new Table({
      name: 'admin_bulk_jobs',
      columns: [
        { ...c.uuid('job_id'), isPrimary: true }, c.str('action', 32), c.uuid('unit_id', true), c.str('unit_path', 1000),
        c.json('filter', true), c.str('created_by', 200, true), c.ts('created_at'),
      ],
      indices: [new TableIndex({ name: 'ix_admin_bulk_jobs_created', columnNames: ['created_at'] })],
      foreignKeys: [
        new TableForeignKey({ columnNames: ['job_id'], referencedTableName: 'bulk_jobs', referencedColumnNames: ['id'], onDelete: 'CASCADE' }),
        orgFk('unit_id'),
      ],
    }));
    await qr.createTable(new Table({
      name: 'audit_log',
      columns: [
        { ...c.bigint('seq'), isPrimary: true }, c.ts('at'), c.str('actor_type', 16), c.str('actor_id', 64, true),
        c.str('actor_label', 254), c.str('actor_role', 32, true), c.str('actor_scope', 64, true), c.str('action', 64),
        c.str('target_type', 32, true), c.str('target_id', 200, true), c.str('scope_path', 1000, true), c.str('outcome', 16),
        c.text('detail', true), c.str('ip', 64, true), c.str('prev_hash', 64), c.str('hash', 64),
      ],
      indices: [
        new TableIndex({ name: 'ix_audit_log_at', columnNames: ['at'] }),
        new TableIndex({ name: 'ix_audit_log_target', columnNames: ['target_type', 'target_id'] }),
      ],
    }));
    await qr.createTable(new Table({ name: 'audit_head', columns: [{ ...c.int('id'), isPrimary: true }, c.bigint('seq'), c.str('hash', 64)] }));
    await qr.query(`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}')`);
    if (dialectOf(qr) === 'postgres') {
      await qr.query(`CREATE FUNCTION slate_audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END
$fn$`);
      await qr.query('CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION slate_audit_log_append_only()');
    } else {
      for (const op of ['UPDATE', 'DELETE']) {
        await qr.query(`CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`);
      }
    }
    // Scoped device queries filter by grade or class for staff scoped below a school.
    await qr.query('CREATE INDEX ix_devices_grade ON devices (grade_id)');
    await qr.query('CREATE INDEX ix_devices_class ON devices (class_id)');
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.query('DROP INDEX ix_devices_class');
    await qr.query('DROP INDEX ix_devices_grade');
    if (dialectOf(qr) === 'postgres') {
      await qr.query('DROP TRIGGER audit_log_append_only ON audit_log');
      await qr.query('DROP FUNCTION slate_audit_log_append_only()');
    }
    for (const t of ['audit_head', 'audit_log', 'admin_bulk_jobs', 'api_tokens', 'staff_sessions', 'webauthn_challenges', 'staff_invites', 'passkeys', 'staff']) {
      await qr.dropTable(t);
    }
  }
}
