import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CA_MISSING, loadCa, seal, type CaLoaderDeps } from '../../../src/ca/ca-loader';
import { loadConfig } from '../../../src/config';
import { SecretBox } from '../../../src/crypto/secret-box';
import type { Db } from '../../../src/db/database';
import { createStores } from '../../../src/db/stores';
import { silentLogger } from '../../../src/log/logger';
import { generateKey } from '../../../src/pki/keys';
import { derToPem, fingerprintOf, selfSignedCa } from '../../../src/pki/x509';
import { createTestDatabase, type TestDatabase } from '../../helpers/test-db';
import { testCa } from '../../helpers/test-certs';

/**
 * The CA lives in the database (migration 0012): every process on it, and the CLI on another
 * machine, uses the same CA with nothing but DATABASE_URL and SECRET_KEY, and a new database
 * never picks up a CA that CERTS_DIR holds for another one.
 */
describe(`CA in the database (${process.env.TEST_DATABASE_URL ? 'postgres' : 'sqlite'})`, () => {
  let testDb: TestDatabase;
  let db: Db;
  const stores = createStores();
  const secrets = new SecretBox(randomBytes(32));
  beforeEach(async () => {
    testDb = await createTestDatabase();
    db = await testDb.openMigrated();
  });
  afterEach(() => testDb.drop());

  const deps = (env: Record<string, string> = {}, box = secrets): CaLoaderDeps => {
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: testDb.dir, CERTS_DIR: join(testDb.dir, 'certs'), ...env });
    return { pki: config.pki, certsDir: config.certsDir, db, store: stores.authorityKeys, certificates: stores.certificates, secrets: box, logger: silentLogger(), now: new Date() };
  };
  const issueOne = () => db.run(
    `INSERT INTO certificates (id, serial, kind, subject, fingerprint, not_before, not_after, created_at) VALUES ('00000000-0000-4000-8000-000000000001', 'ab', 'device', 'CN=x', ?, ?, ?, ?)`,
    ['f'.repeat(64), new Date(), new Date(), new Date()]);

  it('creates a CA once; every later start, and every other process, loads that one', async () => {
    const first = await loadCa(deps());
    expect(first.source).toBe('created');
    const again = await loadCa(deps());
    expect({ source: again.source, same: again.cert.equals(first.cert) }).toEqual({ source: 'loaded', same: true });
    expect(await stores.authorityKeys.get(db, 'ca')).toMatchObject({ source: 'created', keySealed: expect.stringMatching(/^v1:/) });
  });

  it('two processes creating a CA at once end up with the same CA', async () => {
    const [a, b] = await Promise.all([loadCa(deps()), loadCa(deps())]);
    expect(a.cert.equals(b.cert)).toBe(true);
    expect(a.key.export({ type: 'pkcs8', format: 'der' }).equals(b.key.export({ type: 'pkcs8', format: 'der' }))).toBe(true);
  });

  it('production creates no CA without CA_CREATE=true, naming the variables', async () => {
    await expect(loadCa(deps({ NODE_ENV: 'production' }))).rejects.toMatchObject({ code: 'config_invalid', message: CA_MISSING });
    expect(await stores.authorityKeys.get(db, 'ca')).toBeNull();
    expect((await loadCa(deps({ NODE_ENV: 'production', CA_CREATE: 'true' }))).source).toBe('created');
    // Once the database holds a CA, a production node needs nothing but the database and SECRET_KEY.
    expect((await loadCa(deps({ NODE_ENV: 'production' }))).source).toBe('loaded');
  });

  it('imports an operator CA once; afterwards the key file is not needed', async () => {
    const dir = join(testDb.dir, 'operator');
    mkdirSync(dir);
    const ca = testCa('Regionalverband Device CA');
    writeFileSync(join(dir, 'ca.pem'), ca.certPem);
    writeFileSync(join(dir, 'ca.key'), ca.keyPem);
    const imported = await loadCa(deps({ CA_CERT_FILE: join(dir, 'ca.pem'), CA_KEY_FILE: join(dir, 'ca.key'), NODE_ENV: 'production' }));
    expect(imported.source).toBe('operator');
    const later = await loadCa(deps({ CA_CERT_FILE: join(dir, 'ca.pem'), NODE_ENV: 'production' }));
    expect(later.cert.equals(imported.cert)).toBe(true);
    // Without CA_CERT_FILE too: the database says which CA this is.
    expect((await loadCa(deps({ NODE_ENV: 'production' }))).source).toBe('operator');
    writeFileSync(join(dir, 'other.key'), testCa().keyPem);
    const other = testCa('Another CA');
    writeFileSync(join(dir, 'other.pem'), other.certPem);
    await expect(loadCa(deps({ CA_CERT_FILE: join(dir, 'other.pem'), CA_KEY_FILE: join(dir, 'other.key') }))).rejects.toMatchObject({ message: 'CA_KEY_FILE does not belong to CA_CERT_FILE' });
    await expect(loadCa(deps({ CA_CERT_FILE: join(dir, 'other.pem') }))).rejects.toMatchObject({ message: expect.stringMatching(/^CA_CERT_FILE is set but its key is neither in the database nor given in CA_KEY_FILE/) });
  });

  it('says which secret it cannot open when the stored CA key was sealed under another SECRET_KEY', async () => {
    await loadCa(deps());
    await expect(loadCa(deps({}, new SecretBox(randomBytes(32))))).rejects.toMatchObject({
      code: 'config_invalid', message: 'SECRET_KEY: cannot open the CA key stored in the database (sealed under another key)',
    });
  });

  describe('a CA that an earlier Slate kept in CERTS_DIR', () => {
    const legacy = (box: SecretBox) => {
      const dir = join(testDb.dir, 'certs');
      mkdirSync(dir, { recursive: true });
      const key = generateKey('rsa2048');
      const cert = selfSignedCa(key, { commonName: 'Old CA' }, 86_400_000 * 365);
      writeFileSync(join(dir, 'ca.pem'), derToPem(cert));
      writeFileSync(join(dir, 'ca.key.sealed'), seal(box, key) + '\n');
      return cert;
    };

    it('moves into the database that issued with it', async () => {
      const cert = legacy(secrets);
      await issueOne();
      const moved = await loadCa(deps());
      expect({ source: moved.source, fingerprint: fingerprintOf(moved.cert) }).toEqual({ source: 'loaded', fingerprint: fingerprintOf(cert) });
      expect(await stores.authorityKeys.get(db, 'ca')).toMatchObject({ certPem: derToPem(cert) });
    });

    it('is left alone by a new database, even sealed under another key (the DATABASE_URL one-liner of issue #11)', async () => {
      const old = legacy(new SecretBox(randomBytes(32)));
      const fresh = await loadCa(deps());
      expect(fresh.source).toBe('created');
      expect(fresh.cert.equals(old)).toBe(false);
    });
  });
});
