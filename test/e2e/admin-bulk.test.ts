import request from 'supertest';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import type { SimulatedIpad } from '../sim/ipad-simulator';

/**
 * A school-wide action through the admin API, answered by simulated iPads over real HTTP: the bulk
 * job's progress (GET and server-sent events) goes from queued to "all acknowledged".
 */
describe('admin API: bulk lock answered by simulated iPads', () => {
  let h: SpineHarness;
  const ipads: SimulatedIpad[] = [];
  let token: string;

  beforeAll(async () => {
    h = await startSpine();
    for (let i = 0; i < 4; i++) ipads.push(await h.enrolled());
    token = (await h.slate.services.admin.tokens.create(null, { name: 'bulk', role: 'school_it', scope: 'gs-bildstock', ttlMs: 3_600_000 })).token;
  }, 90_000);
  afterAll(() => h?.close());

  const api = () => request(h.slate.express);
  const progress = async (id: string) => (await api().get(`/api/v1/bulk-jobs/${id}`).set('Authorization', `Bearer ${token}`).expect(200)).body;
  /** Progress is counted at most once a second (bulk-jobs.service.ts): wait for the expected state. */
  const progressWhen = async (id: string, ok: (p: { counts: Record<string, number>; done: boolean }) => boolean) => {
    for (let i = 0; i < 60; i++) {
      const p = await progress(id);
      if (ok(p)) return p;
      await new Promise((r) => setTimeout(r, 100));
    }
    return progress(id);
  };

  it('reports queued, then not-now, then all acknowledged, in GET and in the event stream', async () => {
    const started = await api().post('/api/v1/bulk-jobs').set('Authorization', `Bearer ${token}`)
      .send({ action: 'lock', unit: 'gs-bildstock', params: { message: 'Bitte im Sekretariat abgeben' } }).expect(202);
    const id = started.body.id as string;
    expect(started.body).toMatchObject({ total: 4, skipped: 0 });
    expect(await progress(id)).toMatchObject({ total: 4, counts: { queued: 4, acknowledged: 0 }, done: false, unit: 'gs-bildstock', requestType: 'DeviceLock' });

    // The stream, over the real HTTP server, read while the iPads answer.
    const events: string[] = [];
    const stream = (async () => {
      const res = await fetch(`${h.base}/api/v1/bulk-jobs/${id}/events?intervalMs=100`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        if (text.includes('event: done')) break;
      }
      events.push(...text.split('\n\n').filter((e) => e.startsWith('event:')));
    })();

    // One iPad is busy (NotNow) at first, then does it at its next Idle.
    let first = true;
    ipads[3]!.react = () => (first ? ((first = false), 'NotNow') : 'Acknowledged');
    for (const ipad of ipads) await ipad.connect();
    const midway = await progressWhen(id, (p) => p.counts.acknowledged === 3);
    expect(midway.counts).toMatchObject({ acknowledged: 3, notNow: 1 });
    expect(midway.done).toBe(false);
    await ipads[3]!.connect();

    const final = await progressWhen(id, (p) => p.done);
    expect(final).toMatchObject({ counts: { queued: 0, sent: 0, notNow: 0, acknowledged: 4, error: 0 }, done: true });
    await stream;
    const last = events.filter((e) => e.startsWith('event: progress')).at(-1)!;
    expect(JSON.parse(last.split('data: ')[1]!)).toMatchObject({ id, counts: { acknowledged: 4 }, done: true });
    expect(events.at(-1)).toBe('event: done\ndata: {}');
    for (const ipad of ipads) expect(ipad.ledger.filter((l) => l.requestType === 'DeviceLock' && l.answered === 'Acknowledged')).toHaveLength(1);
  });
});
