import { Counter, Histogram, Registry } from 'prom-client';
import { DeviceRequests, DURATION_BUCKETS } from '../../../src/metrics/device-requests';

/**
 * DeviceRequests keeps its numbers outside prom-client for the poll path's sake; what it exposes
 * must be exactly what prom-client's own Counter and Histogram expose for the same requests.
 */
describe('DeviceRequests', () => {
  it('exposes the same text as prom-client Counter + Histogram fed the same requests', async () => {
    const ours = new Registry();
    const requests = new DeviceRequests();
    requests.register(ours);
    const theirs = new Registry();
    const counter = new Counter({ name: 'slate_device_requests_total', help: 'Device requests answered, by endpoint and HTTP status.', labelNames: ['endpoint', 'status'], registers: [theirs] });
    const histogram = new Histogram({
      name: 'slate_device_request_duration_seconds', help: 'Time to answer a device request, by endpoint.', labelNames: ['endpoint'], buckets: [...DURATION_BUCKETS], registers: [theirs],
    });
    // Values on bucket bounds (le is inclusive), between them, below the first and above the last.
    const traffic: ['checkin' | 'connect' | 'enroll' | 'scep', number, number][] = [
      ['connect', 200, 0.0004], ['connect', 200, 0.0005], ['connect', 200, 0.00051], ['connect', 403, 0.002], ['connect', 200, 7],
      ['checkin', 200, 0.01], ['checkin', 400, 0.0101], ['scep', 200, 0.25], ['scep', 500, 2.5],
    ];
    for (const [endpoint, status, seconds] of traffic) {
      requests.record(endpoint, status, seconds);
      counter.inc({ endpoint, status: String(status) });
      histogram.observe({ endpoint }, seconds);
    }
    // Series of one family may come in any order; everything else must be the same, line by line.
    const lines = async (r: Registry) => (await r.metrics()).split('\n').sort();
    expect(await lines(ours)).toEqual(await lines(theirs));
    expect((await ours.metrics()).split('\n').filter((l) => l.startsWith('# TYPE'))).toEqual([
      '# TYPE slate_device_requests_total counter', '# TYPE slate_device_request_duration_seconds histogram',
    ]);
  });

  it('exposes nothing for endpoints without requests', async () => {
    const registry = new Registry();
    new DeviceRequests().register(registry);
    expect((await registry.metrics()).split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([]);
  });
});
