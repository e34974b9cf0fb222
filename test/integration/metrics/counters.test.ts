import { randomUUID } from 'node:crypto';
import { deviceEndpointOf } from '../../../src/metrics/device-requests';
import { startFakeApns, type FakeApns } from '../../helpers/fake-apns';
import { parsePrometheusText, valueOf } from '../../helpers/prometheus-text';
import { testDialect } from '../../helpers/test-db';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';
import { enrolledDevice, orgUnits } from '../apns/push-fixture';

/** The event counters as wired by the composition root: what counts, and what must not. */
describe(`metrics counters (${testDialect})`, () => {
  let fake: FakeApns;
  let slate: TestSlate;
  let org: { school: string; grade: string };

  beforeAll(async () => {
    fake = await startFakeApns();
    slate = await createTestSlate({ APNS_URL: fake.url, APNS_CA_FILE: fake.caFile });
    org = await orgUnits(slate);
    await slate.services.apnsCertificates.set({ data: Buffer.from(fake.pushCert.certPem + fake.pushCert.keyPem) });
  });
  afterAll(async () => {
    await slate.dispose();
    await fake.close();
  });

  const value = async (name: string, labels: Record<string, string>) => valueOf(parsePrometheusText((await slate.metrics.render()).body), name, labels) ?? 0;
  const enqueued = (requestType: string) => value('slate_commands_enqueued_total', { request_type: requestType });
  const lock = () => slate.services.apple.protocol.buildCommand('DeviceLock', {});

  it('counts an enqueue once it commits: not a rolled-back one, not a duplicate CommandUUID', async () => {
    const d = await enrolledDevice(slate, org, fake.pushCert.topic);
    await expect(slate.db.transaction(async (tx) => {
      await slate.services.apple.commands.enqueueIn(tx, [d.id], lock());
      expect(await enqueued('DeviceLock')).toBe(0); // not before the commit either
      throw new Error('the staff action failed after queueing');
    })).rejects.toThrow('the staff action failed');
    expect(await enqueued('DeviceLock')).toBe(0);

    const commandUuid = randomUUID();
    await slate.services.apple.commands.enqueue([d.id], lock(), { commandUuid });
    await slate.services.apple.commands.enqueue([d.id], lock(), { commandUuid });
    await new Promise((r) => setImmediate(r)); // after-commit work runs on the next tick
    expect(await enqueued('DeviceLock')).toBe(1);
    await slate.services.push.flush();
  });

  it('counts each outbox row of a batch once, by outcome', async () => {
    const topic = fake.pushCert.topic;
    const [ok, gone, bad, busy, silent] = [
      await enrolledDevice(slate, org, topic), await enrolledDevice(slate, org, topic), await enrolledDevice(slate, org, topic),
      await enrolledDevice(slate, org, topic), await enrolledDevice(slate, org, topic, false),
    ];
    fake.script(gone.token, { status: 410, reason: 'Unregistered' });
    fake.script(bad.token, { status: 400, reason: 'BadTopic' });
    fake.script(busy.token, { status: 500, reason: 'InternalServerError' });
    const before = Object.fromEntries(await Promise.all(['delivered', 'token_invalid', 'dropped', 'retry', 'skipped', 'cert_rejected']
      .map(async (o) => [o, await value('slate_push_results_total', { outcome: o })] as const)));
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [ok.id, gone.id, bad.id, busy.id, silent.id]));
    await slate.services.push.flush();
    const delta = async (outcome: string) => (await value('slate_push_results_total', { outcome })) - before[outcome]!;
    expect([await delta('delivered'), await delta('token_invalid'), await delta('dropped'), await delta('retry'), await delta('skipped'), await delta('cert_rejected')])
      .toEqual([1, 1, 1, 1, 1, 0]);

    // A refused certificate: the row stays for later and is counted as such.
    await slate.db.rows('DELETE FROM push_outbox');
    fake.answerAll({ status: 403, reason: 'BadCertificate' });
    await slate.db.transaction((tx) => slate.services.push.wake(tx, [ok.id]));
    await slate.services.push.flush();
    fake.answerAll(null);
    expect(await delta('cert_rejected')).toBe(1);
  });

  it('maps logged paths to the four device endpoints and nothing else', () => {
    expect(['/mdm/connect', '/mdm/checkin', '/scep', '/scep/', '/enroll/:token', '/enroll/abc'].map(deviceEndpointOf))
      .toEqual(['connect', 'checkin', 'scep', 'scep', 'enroll', 'enroll']);
    expect(['/metrics', '/healthz', '/api/v1/devices', '/mdm/checkinx', '/mdm', '/enroll', '/scepx'].map(deviceEndpointOf))
      .toEqual([undefined, undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});
