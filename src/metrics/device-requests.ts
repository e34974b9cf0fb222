import { Counter, type Metric, type Registry } from 'prom-client';

/** The device endpoints (README: Device endpoints), the values of the `endpoint` label. */
export const DEVICE_ENDPOINTS = ['checkin', 'connect', 'enroll', 'scep'] as const;
export type DeviceEndpoint = (typeof DEVICE_ENDPOINTS)[number];

/**
 * The endpoint a logged request path belongs to, or undefined for staff and health routes. Paths
 * are route patterns where a route matched (`/enroll/:token`) and cut to their first segment where
 * none did, so no token reaches a label.
 */
export function deviceEndpointOf(path: string): DeviceEndpoint | undefined {
  if (path === '/mdm/connect') return 'connect';
  if (path === '/mdm/checkin') return 'checkin';
  if (path === '/scep' || path.startsWith('/scep/')) return 'scep';
  if (path.startsWith('/enroll/')) return 'enroll';
  return undefined;
}

/** Seconds; the poll path answers in about a millisecond, SCEP and signed profiles in tens. */
export const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

interface PerEndpoint {
  /** Requests by exact HTTP status. */
  byStatus: Map<number, number>;
  /** Observations per bucket (not cumulative); the last slot is above the largest bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * Device requests by endpoint and status, and their durations, as plain numbers: recording one is
 * a map update and a bucket search (0.17 µs per request with the clock read). prom-client's own
 * Counter and Histogram hash the label object and look buckets up by string keys on every call:
 * 0.8 µs, and 1 % of the server thread's samples in the command-poll bench's CPU profile (none
 * with this class; docs/benchmarks.md, metrics overhead). So the poll path keeps the numbers here
 * and prom-client is handed them only when Prometheus scrapes.
 */
export class DeviceRequests {
  private readonly endpoints = new Map<DeviceEndpoint, PerEndpoint>(DEVICE_ENDPOINTS.map((e) => [e, {
    byStatus: new Map(), buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0,
  }]));

  record(endpoint: DeviceEndpoint, status: number, seconds: number): void {
    const e = this.endpoints.get(endpoint)!;
    e.byStatus.set(status, (e.byStatus.get(status) ?? 0) + 1);
    let b = 0;
    while (b < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[b]!) b++;
    e.buckets[b]! += 1;
    e.sum += seconds;
    e.count += 1;
  }

  /** Registers `slate_device_requests_total` and `slate_device_request_duration_seconds`. */
  register(registry: Registry): void {
    const endpoints = this.endpoints;
    new Counter({
      name: 'slate_device_requests_total', help: 'Device requests answered, by endpoint and HTTP status.',
      labelNames: ['endpoint', 'status'], registers: [registry],
      collect() {
        this.reset();
        for (const [endpoint, e] of endpoints) for (const [status, n] of e.byStatus) this.inc({ endpoint, status: String(status) }, n);
      },
    });
    // prom-client's Histogram cannot be given counts, only observations: this object renders the
    // same series the way its Histogram does (MetricObjectWithValues, as the Registry reads it).
    const name = 'slate_device_request_duration_seconds';
    const histogram = {
      name, help: 'Time to answer a device request, by endpoint.', type: 'histogram', aggregator: 'sum',
      get: async () => ({ name, help: histogram.help, type: histogram.type, aggregator: histogram.aggregator, values: this.histogramValues(name) }),
      reset: () => undefined,
    };
    registry.registerMetric(histogram as unknown as Metric);
  }

  private histogramValues(name: string): { labels: Record<string, string | number>; value: number; metricName: string }[] {
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    for (const [endpoint, e] of this.endpoints) {
      if (e.count === 0) continue;
      let cumulative = 0;
      DURATION_BUCKETS.forEach((le, i) => {
        cumulative += e.buckets[i]!;
        values.push({ labels: { le, endpoint }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push({ labels: { le: '+Inf', endpoint }, value: e.count, metricName: `${name}_bucket` });
      values.push({ labels: { endpoint }, value: e.sum, metricName: `${name}_sum` });
      values.push({ labels: { endpoint }, value: e.count, metricName: `${name}_count` });
    }
    return values;
  }
}
