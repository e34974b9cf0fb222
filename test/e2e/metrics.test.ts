import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import { parsePrometheusText, samplesOf, valueOf, type Sample } from '../helpers/prometheus-text';
import { testDialect } from '../helpers/test-db';
import type { SimulatedIpad } from '../sim/ipad-simulator';

/**
 * /metrics over real HTTP after simulated iPads enrolled, polled, answered a command and sent
 * requests Slate refused: every series the dashboard uses, with the exact value these requests
 * must have produced.
 */
describe(`/metrics after device traffic (${testDialect})`, () => {
  let h: SpineHarness;
  let a: SimulatedIpad;
  let b: SimulatedIpad;
  let m: Sample[];

  const scrape = async (): Promise<Sample[]> => {
    const res = await fetch(`${h.base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheusText(await res.text());
  };

  beforeAll(async () => {
    h = await startSpine();
    const link = await h.newLink();
    a = h.ipad();
    b = h.ipad();
    await a.enrol(link);
    await b.enrol(link);
    const device = (i: SimulatedIpad) => h.slate.services.devices.require(i.udid);
    await h.slate.services.apple.staff.send({ devices: [await device(a)], requestType: 'DeviceLock', params: { Message: 'Bitte abgeben' }, by: 'test' });
    await h.slate.services.apple.staff.send({ devices: [await device(b)], requestType: 'DeviceInformation', by: 'test' });
    await h.slate.services.push.flush();
    await a.connect(); // Idle → DeviceLock, Acknowledged → nothing: 2 requests
    await a.report({ Status: 'Idle' }); // 1 more
    expect((await b.put(b.urls.connect, { UDID: b.udid, Status: 'Idle' }, 'application/xml', false)).status).toBe(403); // unsigned
    expect((await b.checkin({ MessageType: 'NoSuchMessage' })).status).toBe(400);
    m = await scrape();
  }, 90_000);

  afterAll(() => h?.close());

  it('counts device requests by endpoint and exact status, the fast route included', () => {
    // Per enrolment: the profile, SCEP GetCACert and PKIOperation, Authenticate and TokenUpdate.
    const requests = samplesOf(m, 'slate_device_requests_total').map((s) => [s.labels.endpoint, s.labels.status, s.value]);
    expect(requests.sort()).toEqual([
      ['checkin', '200', 4], ['checkin', '400', 1], ['connect', '200', 3], ['connect', '403', 1], ['enroll', '200', 2], ['scep', '200', 4],
    ]);
  });

  it('times device requests per endpoint (histogram)', () => {
    for (const [endpoint, n] of [['connect', 4], ['checkin', 5], ['enroll', 2], ['scep', 4]] as const) {
      expect(valueOf(m, 'slate_device_request_duration_seconds_count', { endpoint })).toBe(n);
      expect(valueOf(m, 'slate_device_request_duration_seconds_bucket', { endpoint, le: '+Inf' })).toBe(n);
      expect(valueOf(m, 'slate_device_request_duration_seconds_sum', { endpoint })).toBeGreaterThan(0);
    }
  });

  it('counts accepted check-ins by MessageType (the refused one is not among them)', () => {
    expect(samplesOf(m, 'slate_checkins_total').map((s) => [s.labels.message_type, s.value]).sort()).toEqual([['Authenticate', 2], ['TokenUpdate', 2]]);
  });

  it('counts enqueued commands by RequestType, and what became of their pushes', () => {
    expect(valueOf(m, 'slate_commands_enqueued_total', { request_type: 'DeviceLock' })).toBe(1);
    expect(valueOf(m, 'slate_commands_enqueued_total', { request_type: 'DeviceInformation' })).toBe(1);
    expect(valueOf(m, 'slate_push_results_total', { outcome: 'delivered' })).toBe(2);
    for (const outcome of ['token_invalid', 'retry', 'dropped', 'skipped', 'cert_rejected']) expect(valueOf(m, 'slate_push_results_total', { outcome })).toBe(0);
  });

  it('reads the queue, the outbox and the fleet from the database', () => {
    expect(samplesOf(m, 'slate_commands_pending').map((s) => [s.labels.status, s.labels.request_type, s.value])).toEqual([['queued', 'DeviceInformation', 1]]);
    expect(valueOf(m, 'slate_commands_finished_24h', { status: 'acknowledged' })).toBe(1);
    expect(valueOf(m, 'slate_commands_finished_24h', { status: 'error' })).toBe(0);
    expect(valueOf(m, 'slate_push_outbox_depth')).toBe(0);
    expect(valueOf(m, 'slate_push_outbox_oldest_due_seconds')).toBe(0);
    expect(valueOf(m, 'slate_devices', { platform: 'apple', state: 'enrolled' })).toBe(2);
    expect(valueOf(m, 'slate_devices', { platform: 'apple', state: 'lost' })).toBe(0);
    expect(valueOf(m, 'slate_metrics_db_up')).toBe(1);
  });

  it('reports days to expiry of the push certificate (by topic) and of the CA', () => {
    const apns = h.slate.services.apnsCertificates.current()!;
    const days = (d: Date) => (d.getTime() - Date.now()) / 86_400_000;
    expect(valueOf(m, 'slate_apns_certificate_expiry_days', { topic: apns.topic })).toBeCloseTo(days(apns.notAfter), 2);
    expect(valueOf(m, 'slate_ca_certificate_expiry_days')).toBeCloseTo(days(h.slate.services.pki.caSummary().notAfter), 2);
  });

  it('reports the database pool, and Node process metrics of a serving process', () => {
    // Exact values under load are pinned in test/integration/db/pool-stats.test.ts; here the pool
    // may be opening a connection for the scrape's own queries (Postgres counts that as waiting).
    const [total, idle, waiting] = ['connections', 'idle', 'waiting'].map((x) => valueOf(m, `slate_db_pool_${x}`)!);
    if (testDialect === 'sqlite') expect([total, idle, waiting]).toEqual([1, 1, 0]);
    else expect(total! >= 1 && idle! <= total! && waiting! >= 0).toBe(true);
    expect(valueOf(m, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(samplesOf(m, 'nodejs_eventloop_lag_p99_seconds')).toHaveLength(1);
  });

  it('names no device, token or certificate in any label', async () => {
    const secrets = [a.udid, b.udid, a.pushMagic, a.pushToken.toString('hex')];
    for (const s of m) for (const v of Object.values(s.labels)) for (const secret of secrets) expect(v).not.toContain(secret);
  });

  it('feeds the sample Grafana dashboard: every metric its queries name is in this scrape', () => {
    const dashboard = JSON.parse(readFileSync(join(__dirname, '../../docker/grafana/slate-dashboard.json'), 'utf8')) as {
      templating: { list: { name: string; type: string; query: unknown }[] };
      panels: { type: string; datasource?: { uid: string }; targets?: { expr: string }[] }[];
    };
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')).toMatchObject({ type: 'datasource', query: 'prometheus' });
    const queries = dashboard.panels.filter((p) => p.type !== 'row');
    expect(queries.length).toBeGreaterThan(10);
    const names = new Set<string>();
    for (const p of queries) {
      expect(p.datasource?.uid).toBe('${datasource}');
      for (const t of p.targets ?? []) for (const n of t.expr.match(/\b(?:slate|nodejs|process)_[a-z0-9_]+/g) ?? []) names.add(n);
    }
    const scraped = new Set(m.map((s) => s.name));
    expect([...names].filter((n) => !scraped.has(n))).toEqual([]);
    expect(names.size).toBeGreaterThanOrEqual(15);
  });

  it('does not count its own scrapes as device requests', async () => {
    const again = await scrape();
    expect(samplesOf(again, 'slate_device_requests_total')).toEqual(samplesOf(m, 'slate_device_requests_total'));
  });
});
