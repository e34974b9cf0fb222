import request from 'supertest';
import { loadConfig } from '../../../src/config';
import { buildHttpApp } from '../../../src/http/http-app';
import { silentLogger } from '../../../src/log/logger';
import { metricsRouter } from '../../../src/metrics/metrics.router';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';

const TOKEN = 'b1f0c1b2d8e94a7c9e5d3f60a2c4e8d1';

/** The express app with /metrics configured from these variables (the rest of Slate is not involved). */
function appWith(env: Record<string, string>) {
  const config = loadConfig({ DATA_DIR: '/tmp/slate-metrics-access', ...env });
  let renders = 0;
  const app = buildHttpApp(silentLogger(), [{
    path: '/',
    router: metricsRouter({ access: config.metrics, render: async () => (renders++, { contentType: 'text/plain; version=0.0.4; charset=utf-8', body: 'slate_up 1\n' }) }),
  }], { trustProxy: 'loopback' });
  return { app, renders: () => renders };
}

describe('who may read /metrics', () => {
  it('is open in development and test when neither METRICS_TOKEN nor METRICS_ALLOW is set', async () => {
    for (const NODE_ENV of ['development', 'test']) {
      const res = await request(appWith({ NODE_ENV }).app).get('/metrics').expect(200);
      expect(res.text).toBe('slate_up 1\n');
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('is off in production unless configured: answers like an unknown route, renders nothing', async () => {
    const { app, renders } = appWith({ NODE_ENV: 'production' });
    const res = await request(app).get('/metrics').expect(404);
    expect(res.body.error).toBe('not_found');
    expect(renders()).toBe(0);
  });

  it('with METRICS_TOKEN: refuses a missing or wrong bearer token (401, WWW-Authenticate), accepts the right one', async () => {
    for (const NODE_ENV of ['production', 'development']) {
      const { app, renders } = appWith({ NODE_ENV, METRICS_TOKEN: TOKEN });
      const missing = await request(app).get('/metrics').expect(401);
      expect(missing.headers['www-authenticate']).toBe('Bearer realm="slate-metrics"');
      expect(missing.body.error).toBe('unauthenticated');
      await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}x`).expect(401);
      await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN.slice(0, -1)}`).expect(401);
      await request(app).get('/metrics').set('Authorization', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`).expect(401);
      await request(app).get('/metrics').set('Authorization', TOKEN).expect(401);
      expect(renders()).toBe(0);
      await request(app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200, 'slate_up 1\n');
      await request(app).get('/metrics').set('Authorization', `bearer ${TOKEN}`).expect(200);
      expect(renders()).toBe(2);
    }
  });

  it('with METRICS_ALLOW: lets in listed peers without a token, refuses others (403)', async () => {
    await request(appWith({ NODE_ENV: 'production', METRICS_ALLOW: '127.0.0.0/8, ::1' }).app).get('/metrics').expect(200);
    const res = await request(appWith({ NODE_ENV: 'production', METRICS_ALLOW: '10.0.0.0/8' }).app).get('/metrics').expect(403);
    expect(res.body.error).toBe('forbidden');
  });

  it('matches METRICS_ALLOW against the TCP peer, never a forwarded address (even with trust proxy)', async () => {
    const { app } = appWith({ NODE_ENV: 'production', METRICS_ALLOW: '10.0.0.0/8' });
    await request(app).get('/metrics').set('X-Forwarded-For', '10.1.2.3').expect(403);
  });

  it('with both: a listed peer needs no token, anyone else needs it', async () => {
    const listed = appWith({ NODE_ENV: 'production', METRICS_ALLOW: '127.0.0.1,::1', METRICS_TOKEN: TOKEN });
    await request(listed.app).get('/metrics').expect(200);
    const other = appWith({ NODE_ENV: 'production', METRICS_ALLOW: '10.0.0.0/8', METRICS_TOKEN: TOKEN });
    await request(other.app).get('/metrics').expect(401);
    await request(other.app).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
  });
});

describe('/metrics in a whole Slate', () => {
  let slate: TestSlate;
  beforeAll(async () => {
    slate = await createTestSlate({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => slate.dispose());

  it('runs the database queries once for two scrapes within the cache TTL', async () => {
    const reads = jest.spyOn(slate.stores.metrics, 'snapshot');
    const scrape = () => request(slate.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    const [first, second] = [await scrape(), await scrape()];
    expect(reads).toHaveBeenCalledTimes(1);
    expect(first.text).toMatch(/^slate_push_outbox_depth 0$/m);
    expect(second.text).toMatch(/^slate_push_outbox_depth 0$/m);
    reads.mockRestore();
  });

  it('is served by express behind the fast routes, with the token', async () => {
    await request(slate.http).get('/metrics').expect(401);
    const res = await request(slate.http).get('/metrics').set('Authorization', `Bearer ${TOKEN}`).expect(200);
    expect(res.text).toMatch(/^# HELP slate_device_requests_total /m);
    expect(res.text).toMatch(/^slate_metrics_db_up 1$/m);
  });
});
