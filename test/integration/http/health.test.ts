import request from 'supertest';
import { createTestSlate, type TestSlate } from '../../helpers/test-slate';
import { listen } from '../../../src/server';

describe('health endpoints and shutdown', () => {
  let slate: TestSlate;
  beforeAll(async () => {
    slate = await createTestSlate({}, { importOrg: true });
  });
  afterAll(() => slate.dispose());

  it('answers liveness and readiness', async () => {
    await request(slate.http).get('/healthz').expect(200, { status: 'ok' });
    await request(slate.http).get('/readyz').expect(200, { status: 'ready', database: 'ok' });
  });

  it('imported the organisation on first start', async () => {
    expect(await slate.s.org.count()).toBe(46);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await request(slate.http).get('/nope').expect(404);
    expect(res.body.error).toBe('not_found');
  });

  it('finishes an in-flight request during shutdown, then closes the database', async () => {
    const other = await createTestSlate({ PORT: '0', HOST: '127.0.0.1' });
    other.express.get('/slow', (_req, res) => void setTimeout(() => res.send('done'), 300));
    // The slow route was added after the 404 handler, so mount it in front for this test.
    const stack = (other.express as unknown as { router: { stack: unknown[] } }).router.stack;
    stack.unshift(stack.pop());
    const running = await listen(other);
    const pending = fetch(`${running.url}/slow`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));
    const stopped = running.shutdown();
    expect(await pending).toBe('done');
    await stopped;
    // The database is closed: a statement now fails.
    await expect(other.db.ping()).rejects.toThrow();
    await other.testDb.drop();
  });
});
