import { MigrationInterface, QueryRunner, Table, TableForeignKey, TableIndex } from 'typeorm';
import { cols, orgFk } from './helpers';

/**
 * The certificate authority's records: every certificate it issued (for revocation and for
 * binding an identity to one device) and the one-time SCEP challenges handed out in enrolment
 * profiles (stored as SHA-256, bound to the placement of the enrolment link).
 */
export class Pki1700000000002 implements MigrationInterface {
  name = 'Pki1700000000002';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    await qr.createTable(
      new Table({
        name: 'certificates',
        columns: [
          c.id(),
          c.str('serial', 64),
          c.str('kind', 24),
          c.text('subject'),
          c.str('fingerprint', 64),
          c.uuid('device_id', true),
          c.uuid('school_id', true),
          c.uuid('grade_id', true),
          c.uuid('class_id', true),
          // Enrolment links live in a later migration; kept as a plain reference.
          c.uuid('enrollment_token_id', true),
          c.ts('not_before'),
          c.ts('not_after'),
          c.ts('revoked_at', true),
          c.str('revoke_reason', 200, true),
          c.ts('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_certificates_serial', columnNames: ['serial'], isUnique: true }),
          new TableIndex({ name: 'uq_certificates_fingerprint', columnNames: ['fingerprint'], isUnique: true }),
          new TableIndex({ name: 'ix_certificates_device', columnNames: ['device_id'] }),
        ],
        foreignKeys: [
          new TableForeignKey({ columnNames: ['device_id'], referencedTableName: 'devices', referencedColumnNames: ['id'], onDelete: 'SET NULL' }),
          orgFk('school_id'), orgFk('grade_id'), orgFk('class_id'),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'scep_challenges',
        columns: [
          c.id(),
          c.str('challenge_hash', 64),
          c.uuid('school_id'),
          c.uuid('grade_id'),
          c.uuid('class_id', true),
          c.uuid('enrollment_token_id', true),
          c.ts('expires_at'),
          c.ts('used_at', true),
          c.ts('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_scep_challenges_hash', columnNames: ['challenge_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_scep_challenges_expires', columnNames: ['expires_at'] }),
        ],
        foreignKeys: [orgFk('school_id'), orgFk('grade_id'), orgFk('class_id')],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('scep_challenges');
    await qr.dropTable('certificates');
  }
}
