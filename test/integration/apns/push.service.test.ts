import { randomUUID } from 'node:crypto';
import { createSlate } from '../../../src/app';
import { Http2ApnsClient } from '../../../src/apple/apns/apns-client';
import { PushService } from '../../../src/apple/apns/push.service';
import type { NewCommand } from '../../../src/db/stores';
import { silentLogger } from '../../../src/log/logger';
import { startFakeApns, type FakeApns } from '../../helpers/fake-apns';
import { testDialect } from '../../helpers/test-db';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';
import { capturingLogger, enrolledDevice, orgUnits } from './push-fixture';

const command = (deviceId: string): NewCommand => ({
  commandUuid: randomUUID(), deviceId, requestType: 'DeviceLock', priority: 100, params: null, body: '<plist/>', bodySealed: false,
});

describe(`APNs push dispatcher against a fake APNs (${testDialect})`, () => {
  let fake: FakeApns;
  let slate: TestSlate;
  let org: { school: string; grade: string };
  const log = capturingLogger();

  beforeAll(async () => {
    fake = await startFakeApns();
    slate = await createTestSlate({ APNS_URL: fake.url, APNS_CA_FILE: fake.caFile, APNS_POLL_INTERVAL: '50ms' }, {}, log.logger);
    org = await orgUnits(slate);
  });
  afterAll(async () => {
    await slate.dispose();
    await fake.close();
  });
  beforeEach(async () => {
    fake.requests.length = 0;
    fake.answerAll(null);
    await slate.db.rows('DELETE FROM push_outbox');
  });

  const topic = () => fake.pushCert.topic;
  const setCert = () => slate.services.apnsCertificates.set({ data: Buffer.from(fake.pushCert.certPem + fake.pushCert.keyPem) });

  it('keeps pushes queued without a certificate (one warning), then sends one coalesced push per device', async () => {
    const d = await enrolledDevice(slate, org, topic());
    for (let i = 0; i < 20; i++) await slate.db.transaction((tx) => slate.services.push.wake(tx, [d.id, d.id]));
    await slate.services.push.flush();
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [d.id]));
    await slate.services.push.flush();
    expect(fake.requests).toHaveLength(0);
    expect(await slate.s.pushOutbox.get(d.id)).toMatchObject({ generation: 21, attempts: 0 });
    expect(log.lines.filter((l) => /no APNs push certificate/.test(l.msg))).toHaveLength(1);

    await setCert();
    await slate.services.push.flush();
    expect(fake.requests).toHaveLength(1);
    expect(await slate.s.pushOutbox.count()).toBe(0);
  });

  it('pushes after the enqueue transaction commits, with the MDM headers and PushMagic body; marks the command pushed', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic());
    const cmd = command(d.id);
    const before = Date.now();
    await slate.db.transaction(async (tx) => {
      await slate.stores.commands.enqueue(tx, [cmd]);
      await slate.services.push.wake(tx, [d.id]);
    });
    const [req] = await fake.waitFor(1);
    expect(req!.path).toBe(`/3/device/${d.token}`);
    expect(req!.headers).toMatchObject({ ':method': 'POST', 'apns-push-type': 'mdm', 'apns-topic': topic(), 'apns-priority': '10' });
    const expiration = Number(req!.headers['apns-expiration']) * 1000;
    expect(expiration).toBeGreaterThanOrEqual(before + 7 * 86_400_000 - 1000); // APNS_PUSH_TTL default 7d
    expect(expiration).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000);
    expect(JSON.parse(req!.body)).toEqual({ mdm: d.pushMagic });
    expect(req!.clientSubject).toContain(topic());
    await slate.services.push.flush();
    expect((await slate.s.commands.get(cmd.commandUuid))!.pushedAt).toBeInstanceOf(Date);
    expect(await slate.s.pushOutbox.count()).toBe(0);
  });

  it('sends nothing for a transaction that rolls back', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic());
    await expect(slate.db.transaction(async (tx) => {
      await slate.services.push.wake(tx, [d.id]);
      throw new Error('rolled back');
    })).rejects.toThrow('rolled back');
    await slate.services.push.flush();
    expect(fake.requests).toHaveLength(0);
    expect(await slate.s.pushOutbox.count()).toBe(0);
  });

  it('coalesces many wakes in one transaction into one push per device, and reuses one HTTP/2 session', async () => {
    await setCert();
    const devices = await Promise.all([1, 2, 3].map(() => enrolledDevice(slate, org, topic())));
    const sessionsBefore = fake.sessions();
    await slate.db.transaction(async (tx) => {
      for (let i = 0; i < 10; i++) await slate.services.push.wake(tx, devices.map((d) => d.id));
    });
    await fake.waitFor(3);
    await slate.services.push.flush();
    expect(fake.requests.map((r) => r.token).sort()).toEqual(devices.map((d) => d.token).sort());
    expect(fake.sessions() - sessionsBefore).toBeLessThanOrEqual(1);
  });

  it('marks the token invalid on 410 Unregistered and 400 BadDeviceToken, and skips such devices afterwards', async () => {
    await setCert();
    const [gone, bad] = [await enrolledDevice(slate, org, topic()), await enrolledDevice(slate, org, topic())];
    fake.script(gone.token, { status: 410, reason: 'Unregistered' });
    fake.script(bad.token, { status: 400, reason: 'BadDeviceToken' });
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [gone.id, bad.id]));
    await fake.waitFor(2);
    await slate.services.push.flush();
    for (const d of [gone, bad]) expect((await slate.s.appleDevices.get(d.id))!.tokenInvalidAt).toBeInstanceOf(Date);
    expect(await slate.s.pushOutbox.count()).toBe(0);
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [gone.id, bad.id]));
    await slate.services.push.flush();
    expect(fake.requests).toHaveLength(2);
    expect(await slate.s.pushOutbox.count()).toBe(0);
  });

  it('drops devices without a push token from the outbox without sending', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic(), false);
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [d.id]));
    await slate.services.push.flush();
    expect(fake.requests).toHaveLength(0);
    expect(await slate.s.pushOutbox.get(d.id)).toBeNull();
  });

  it('retries 500 and 429 with backoff until APNs accepts', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic());
    fake.script(d.token, { status: 500, reason: 'InternalServerError' }, { status: 429, reason: 'TooManyRequests' });
    const push = new PushService({
      db: slate.db, outbox: slate.stores.pushOutbox, appleDevices: slate.stores.appleDevices, certificates: slate.services.apnsCertificates,
      client: new Http2ApnsClient({ url: fake.url, ca: fake.ca.certPem, concurrency: 10, logger: silentLogger() }),
      onPushed: async () => undefined, logger: silentLogger(),
      rate: 100, pushTtlMs: 60_000, pollIntervalMs: 20, retryBaseMs: 10, retryCapMs: 50,
    });
    await slate.db.transaction((tx) => push.wake(tx, [d.id]));
    await push.flush();
    // flush() may run a second round once the short backoff has passed (then 429 was answered too).
    const pending = (await slate.s.pushOutbox.get(d.id))!;
    expect([[1, '500 InternalServerError'], [2, '429 TooManyRequests']]).toContainEqual([pending.attempts, pending.lastError]);
    push.start();
    await fake.waitFor(3);
    await push.stop();
    expect(fake.requests.map((r) => r.token)).toEqual([d.token, d.token, d.token]);
    expect(await slate.s.pushOutbox.get(d.id)).toBeNull();
  });

  it('keeps the rows and logs an error when APNs refuses the certificate (403)', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic());
    fake.answerAll({ status: 403, reason: 'BadCertificate' });
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [d.id]));
    await fake.waitFor(1);
    await slate.services.push.flush();
    expect(await slate.s.pushOutbox.get(d.id)).toMatchObject({ attempts: 1, lastError: '403 BadCertificate' });
    expect(log.lines.some((l) => l.level === 'error' && /refused the push certificate/.test(l.msg))).toBe(true);
  });

  it('reconnects after GOAWAY', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic());
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [d.id]));
    await fake.waitFor(1);
    await slate.services.push.flush();
    const sessions = fake.sessions();
    await fake.goAway();
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [d.id]));
    await fake.waitFor(2);
    expect(fake.sessions()).toBe(sessions + 1);
  });

  it('sends rows left behind by a crashed process when the next one starts its background round', async () => {
    await setCert();
    const d = await enrolledDevice(slate, org, topic());
    // Committed with the command, but the process died before sending.
    await slate.s.pushOutbox.add([d.id], new Date());
    const next = await createSlate(slate.config, silentLogger(), { schema: slate.testDb.schema });
    try {
      expect(fake.requests).toHaveLength(0);
      next.startBackground();
      await fake.waitFor(1);
      expect(fake.requests[0]!.token).toBe(d.token);
    } finally {
      await next.close();
    }
    expect(await slate.s.pushOutbox.count()).toBe(0);
  });
});
