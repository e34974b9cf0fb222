import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_ATTEMPTS } from '../../../src/admin/webhooks/webhook-dispatcher';
import { verifyWebhook } from '../../../src/admin/webhooks/webhook-signature';
import { startAdmin, type AdminHarness, type StaffClient } from '../../helpers/admin-harness';

interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Webhooks: events from stored facts, queued once per subscription in scope, signed, retried with backoff, logged. */
describe('admin API: webhooks', () => {
  let h: AdminHarness;
  let admin: StaffClient;
  let server: Server;
  let base: string;
  const received: Received[] = [];
  let failNext = 0;

  beforeAll(async () => {
    h = await startAdmin();
    admin = await h.staff('authority_admin');
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ path: req.url!, headers: req.headers, body });
        res.statusCode = failNext-- > 0 ? 500 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }, 60_000);
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await h?.close();
  });

  const failedCommand = async (deviceId: string) => {
    const uuid = randomUUID();
    // A moment ago: a source reads up to (not including) the instant it starts.
    const now = new Date(Date.now() - 1000);
    await h.slate.db.run(`INSERT INTO command_history (id, command_uuid, device_id, request_type, priority, status, not_now_count, attempts, enqueued_at, finished_at, result_status)
      VALUES (?, ?, ?, 'InstallProfile', 0, 'error', 0, 1, ?, ?, 'Error')`, [Math.floor(Math.random() * 1e9), uuid, deviceId, now, now]);
    return uuid;
  };
  const dispatcher = () => h.slate.services.admin.webhookDispatcher;

  it('delivers a signed event to the webhooks whose scope holds it, retrying after a failure', async () => {
    const made = await admin.req('post', '/api/v1/webhooks').send({ url: `${base}/bildstock`, events: ['command.failed', 'device.lost_mode_entered'], scope: 'gs-bildstock' }).expect(201);
    await admin.req('post', '/api/v1/webhooks').send({ url: `${base}/holz`, events: ['command.failed'], scope: 'gs-holz' }).expect(201);
    const device = await h.device('gs-bildstock');
    const uuid = await failedCommand(device.id);
    expect(await dispatcher().collect()).toBe(1);
    expect(await dispatcher().collect()).toBe(0); // the same window again queues nothing
    failNext = 1;
    expect(await dispatcher().deliver()).toBe(1);
    expect(await dispatcher().deliver()).toBe(0); // backing off
    await h.slate.db.run('UPDATE webhook_outbox SET next_attempt_at = ?', [new Date(Date.now() - 1000)]);
    expect(await dispatcher().deliver()).toBe(1);
    expect(received.map((r) => r.path)).toEqual(['/bildstock', '/bildstock']);
    const last = received.at(-1)!;
    expect(verifyWebhook(made.body.secret, last.body, String(last.headers['x-slate-signature']), new Date())).toBe(true);
    expect(verifyWebhook('another secret', last.body, String(last.headers['x-slate-signature']), new Date())).toBe(false);
    expect(last.headers['x-slate-event']).toBe('command.failed');
    expect(JSON.parse(last.body)).toMatchObject({ id: `command.failed:${uuid}`, type: 'command.failed', data: { deviceId: device.id, commandUuid: uuid, requestType: 'InstallProfile' } });
    const log = await admin.req('get', `/api/v1/webhooks/${made.body.webhook.id}/deliveries`).expect(200);
    expect(log.body.items.map((d: { attempt: number; outcome: string; statusCode: number }) => [d.attempt, d.outcome, d.statusCode])).toEqual([[2, 'delivered', 204], [1, 'retry', 500]]);
  });

  it('gives up after the last attempt and keeps that in the log', async () => {
    const made = await admin.req('post', '/api/v1/webhooks').send({ url: `${base}/down`, events: ['command.failed'], scope: 'gs-holz' }).expect(201);
    await failedCommand((await h.device('gs-holz')).id);
    await dispatcher().collect();
    await h.slate.db.run('UPDATE webhook_outbox SET attempts = ? WHERE webhook_id = ?', [MAX_ATTEMPTS - 1, made.body.webhook.id]);
    failNext = 100;
    await dispatcher().deliver();
    failNext = 0;
    const log = await admin.req('get', `/api/v1/webhooks/${made.body.webhook.id}/deliveries`).expect(200);
    expect(log.body.items.map((d: { attempt: number; outcome: string }) => [d.attempt, d.outcome])).toEqual([[MAX_ATTEMPTS, 'gave_up']]);
    expect(Number((await h.slate.db.one<{ n: number }>('SELECT COUNT(*) AS n FROM webhook_outbox WHERE webhook_id = ?', [made.body.webhook.id]))!.n)).toBe(0);
  });

  it('announces expiring device certificates once', async () => {
    const made = await admin.req('post', '/api/v1/webhooks').send({ url: `${base}/certs`, events: ['certificate.expiring'] }).expect(201);
    const device = await h.device('gs-heusweiler');
    const now = new Date();
    await h.slate.s.certificates.insert({
      id: randomUUID(), serial: 'abc123', kind: 'device', subject: 'CN=x', fingerprint: 'f'.repeat(64), deviceId: device.id, schoolId: device.schoolId,
      gradeId: device.gradeId, classId: null, enrollmentTokenId: null, notBefore: now, notAfter: new Date(now.getTime() + 5 * 86_400_000), createdAt: now,
    });
    await dispatcher().collect();
    await dispatcher().collect();
    await dispatcher().deliver();
    const got = received.filter((r) => r.path === '/certs');
    expect(got.map((r) => JSON.parse(r.body).id)).toEqual(['certificate.expiring:abc123']);
    await admin.req('delete', `/api/v1/webhooks/${made.body.webhook.id}`).expect(204);
    expect((await admin.req('get', '/api/v1/webhooks').expect(200)).body.items.map((w: { url: string }) => w.url)).not.toContain(`${base}/certs`);
  });

  it('refuses unknown events, naming the field', async () => {
    const bad = await admin.req('post', '/api/v1/webhooks').send({ url: `${base}/x`, events: ['device.exploded'] });
    expect(bad.body).toMatchObject({ error: 'validation_failed', fields: { 'events.0': expect.any(String) } });
  });
});
