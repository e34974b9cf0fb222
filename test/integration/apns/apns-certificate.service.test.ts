import { randomBytes } from 'node:crypto';
import type { Db } from '../../../src/db/database';
import { ApnsCertificateService } from '../../../src/apple/apns/apns-certificate.service';
import { SecretBox } from '../../../src/crypto/secret-box';
import { createStores, type Stores } from '../../../src/db/stores';
import { isAppError } from '../../../src/errors';
import { pushCertificate, testCa } from '../../helpers/test-certs';
import { createTestDatabase, testDialect, type TestDatabase } from '../../helpers/test-db';
import { capturingLogger } from './push-fixture';

describe(`ApnsCertificateService (${testDialect})`, () => {
  let db: TestDatabase;
  let ds: Db;
  let stores: Stores;
  const secrets = new SecretBox(randomBytes(32));
  const ca = testCa();
  const pem = (c: { certPem: string; keyPem: string }) => Buffer.from(c.certPem + c.keyPem);

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = await db.openMigrated();
    stores = createStores();
  });
  afterAll(() => db.drop());
  beforeEach(() => ds.run('DELETE FROM apns_certificates'));

  it('stores the key sealed and serves topic and credentials from its cache', async () => {
    const push = pushCertificate(ca);
    const svc = new ApnsCertificateService({ db: ds, store: stores.apnsCertificates, secrets, logger: capturingLogger().logger });
    expect(svc.current()).toBeNull();
    expect(svc.credentials()).toBeNull();
    const s = await svc.set({ data: pem(push) });
    expect(s).toMatchObject({ topic: push.topic, daysLeft: expect.any(Number) });
    expect(svc.current()).toMatchObject({ topic: push.topic, fingerprint: s.fingerprint });
    expect(svc.credentials()).toMatchObject({ topic: push.topic, fingerprint: s.fingerprint, keyPem: expect.stringContaining('PRIVATE KEY') });
    const rec = (await stores.apnsCertificates.active(ds))!;
    expect(rec.keySealed).toMatch(/^v1:/);
    expect(rec.keySealed).not.toContain('PRIVATE');
    expect(secrets.open('push-key', rec.keySealed).toString()).toBe(svc.credentials()!.keyPem);
  });

  it('picks up a certificate another process uploaded, and refuses a topic change unless asked', async () => {
    const first = pushCertificate(ca);
    const renewed = pushCertificate(ca, { topic: first.topic });
    const here = new ApnsCertificateService({ db: ds, store: stores.apnsCertificates, secrets, logger: capturingLogger().logger });
    const there = new ApnsCertificateService({ db: ds, store: stores.apnsCertificates, secrets, logger: capturingLogger().logger });
    await here.set({ data: pem(first) });
    expect(await there.refresh()).toBe(true);
    expect(await there.refresh()).toBe(false);
    const s = await there.set({ data: pem(renewed) });
    expect(await here.refresh()).toBe(true);
    expect(here.current()!.fingerprint).toBe(s.fingerprint);

    const stranger = pushCertificate(ca);
    const err = await here.set({ data: pem(stranger) }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('push_certificate_invalid');
    expect((await here.set({ data: pem(stranger), allowTopicChange: true })).topic).toBe(stranger.topic);
  });

  it('warns once a day when fewer than 30 days are left', async () => {
    const soon = pushCertificate(ca, { notAfter: new Date(Date.now() + 10 * 86_400_000) });
    const log = capturingLogger();
    let now = new Date();
    const svc = new ApnsCertificateService({ db: ds, store: stores.apnsCertificates, secrets, logger: log.logger, now: () => now });
    await svc.set({ data: pem(soon) });
    await svc.refresh();
    const warnings = () => log.lines.filter((l) => l.level === 'warn' && /expires soon/.test(l.msg)).length;
    expect(warnings()).toBe(1);
    now = new Date(now.getTime() + 86_400_000 + 1);
    await svc.refresh();
    expect(warnings()).toBe(2);
    expect(svc.current()!.daysLeft).toBe(8);
  });

  it('cannot open a key sealed under another SECRET_KEY', async () => {
    await new ApnsCertificateService({ db: ds, store: stores.apnsCertificates, secrets, logger: capturingLogger().logger }).set({ data: pem(pushCertificate(ca)) });
    const other = new ApnsCertificateService({ db: ds, store: stores.apnsCertificates, secrets: new SecretBox(randomBytes(32)), logger: capturingLogger().logger });
    const err = await other.refresh().catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('crypto_failed');
    expect(other.credentials()).toBeNull();
  });
});
