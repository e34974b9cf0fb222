import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { cols } from './helpers';

/**
 * State every Slate process on one database shares, so that DATABASE_URL and SECRET_KEY are all a
 * second process (or machine, or the CLI) needs (issue #11):
 *  - authority_keys: the CA (and, beside a P-256 CA, its RSA SCEP responder) with its private key
 *    sealed with SECRET_KEY. Until now they were files in CERTS_DIR, which a second machine lacks and
 *    which a second database silently shared (sealed under another database's key).
 *  - server_settings: what the running server announces (its public URL and version, which the CLI
 *    builds links from), and a value sealed with SECRET_KEY that start-up opens before any
 *    migration runs, so a wrong key stops Slate with one line instead of half-way through.
 */
export class ServerState1700000000012 implements MigrationInterface {
  name = 'ServerState1700000000012';

  async up(qr: QueryRunner): Promise<void> {
    const c = cols(qr);
    await qr.createTable(
      new Table({
        name: 'authority_keys',
        columns: [
          // 'ca' or 'scep-ra': one row each, so two processes creating a CA at once keep one.
          { ...c.str('name', 32), isPrimary: true },
          // The certificate and any issuers above it (operator intermediates), PEM.
          c.text('cert_pem'),
          // SecretBox('ca-key'): the private key never rests in clear.
          c.text('key_sealed'),
          // created | operator
          c.str('source', 16),
          c.ts('created_at'),
        ],
      }),
    );
    await qr.createTable(
      new Table({
        name: 'server_settings',
        columns: [{ ...c.str('name', 64), isPrimary: true }, c.text('value'), c.ts('updated_at')],
      }),
    );
  }

  async down(qr: QueryRunner): Promise<void> {
    await qr.dropTable('server_settings');
    await qr.dropTable('authority_keys');
  }
}
