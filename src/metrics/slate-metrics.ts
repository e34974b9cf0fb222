import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { PushResults } from '../apple/apns/push.service';
import type { CheckinService } from '../apple/checkin.service';
import type { CommandQueueStore } from '../db/stores';

/** The device endpoints (README: Device endpoints), the values of the `endpoint` label. */
export type DeviceEndpoint = 'checkin' | 'connect' | 'enroll' | 'scep';

/**
 * The endpoint a logged request path belongs to, or undefined for staff and health routes. Paths
 * are route patterns where a route matched (`/enroll/:token`), so no token reaches a label.
 */
export function deviceEndpointOf(path: string): DeviceEndpoint | undefined {
  if (path === '/mdm/connect') return 'connect';
  if (path === '/mdm/checkin') return 'checkin';
  if (path === '/scep' || path.startsWith('/scep/')) return 'scep';
  if (path.startsWith('/enroll/')) return 'enroll';
  return undefined;
}

/** Seconds; the poll path answers in about a millisecond, SCEP and signed profiles in tens. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

const PUSH_OUTCOMES: Record<keyof PushResults, string> = {
  delivered: 'delivered', tokenInvalid: 'token_invalid', retry: 'retry', dropped: 'dropped', skipped: 'skipped', certRejected: 'cert_rejected',
};

interface BoundRequest {
  inc(): void;
  observe(seconds: number): void;
}

/**
 * Slate's Prometheus registry and the counters fed by events as they happen: device requests,
 * check-ins, enqueued commands, push results. The gauges read at scrape time are in
 * fleet-gauges.ts. One instance per Slate (composition root), never prom-client's global registry.
 *
 * Label values come only from sets the server controls (endpoints, its own status codes,
 * MessageTypes the decoder accepts, RequestTypes the command builder knows), never from device ids
 * or other device-supplied text, so the number of series stays bounded.
 */
export class SlateMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'endpoint' | 'status'>;
  private readonly durations: Histogram<'endpoint'>;
  private readonly checkins: Counter<'message_type'>;
  private readonly enqueued: Counter<'request_type'>;
  private readonly pushes: Counter<'outcome'>;
  /** Label-bound children per endpoint and status, so a poll costs two increments and no allocation. */
  private readonly bound = new Map<DeviceEndpoint, Map<number, BoundRequest>>();
  private defaultsCollected = false;

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'slate_device_requests_total', help: 'Device requests answered, by endpoint and HTTP status.',
      labelNames: ['endpoint', 'status'], registers,
    });
    this.durations = new Histogram({
      name: 'slate_device_request_duration_seconds', help: 'Time to answer a device request, by endpoint.',
      labelNames: ['endpoint'], buckets: DURATION_BUCKETS, registers,
    });
    this.checkins = new Counter({
      name: 'slate_checkins_total', help: 'Check-in messages accepted (answered 200), by MessageType.',
      labelNames: ['message_type'], registers,
    });
    this.enqueued = new Counter({
      name: 'slate_commands_enqueued_total', help: 'Commands queued by this process (committed), by RequestType.',
      labelNames: ['request_type'], registers,
    });
    this.pushes = new Counter({
      name: 'slate_push_results_total', help: 'Push outbox rows handled by the dispatcher, by outcome.',
      labelNames: ['outcome'], registers,
    });
    for (const outcome of Object.values(PUSH_OUTCOMES)) this.pushes.inc({ outcome }, 0);
  }

  /** The request log's observer (RequestObserver): counts and times device endpoints, ignores the rest. */
  readonly observeRequest = (path: string, status: number, start: bigint): void => {
    const endpoint = deviceEndpointOf(path);
    if (endpoint === undefined) return;
    let byStatus = this.bound.get(endpoint);
    if (byStatus === undefined) this.bound.set(endpoint, (byStatus = new Map()));
    let b = byStatus.get(status);
    if (b === undefined) {
      const counter = this.requests.labels({ endpoint, status: String(status) });
      const histogram = this.durations.labels({ endpoint });
      b = { inc: () => counter.inc(), observe: (s) => histogram.observe(s) };
      byStatus.set(status, b);
    }
    b.inc();
    b.observe(Number(process.hrtime.bigint() - start) / 1e9);
  };

  /** The dispatcher's per-batch tally (PushService onResults). */
  pushResults(r: PushResults): void {
    for (const [key, outcome] of Object.entries(PUSH_OUTCOMES) as [keyof PushResults, string][]) {
      if (r[key] > 0) this.pushes.inc({ outcome }, r[key]);
    }
  }

  /**
   * The check-in service as the endpoint sees it, counting each message it accepted. A wrapper
   * (DESIGN §7: cross-cutting behaviour wraps a service): everything else is the service itself.
   */
  countCheckins(service: CheckinService): CheckinService {
    const counted = Object.create(service) as CheckinService;
    counted.authenticate = async (msg, id) => {
      const reply = await service.authenticate(msg, id);
      this.checkins.inc({ message_type: msg.MessageType });
      return reply;
    };
    counted.handle = async (msg, device) => {
      const reply = await service.handle(msg, device);
      this.checkins.inc({ message_type: msg.MessageType });
      return reply;
    };
    return counted;
  }

  /**
   * The command queue as CommandService sees it, counting the commands each enqueue added once its
   * transaction commits (a rolled-back enqueue queued nothing; duplicates are not new).
   */
  countEnqueues(queue: CommandQueueStore): CommandQueueStore {
    const counted = Object.create(queue) as CommandQueueStore;
    counted.enqueue = async (tx, commands) => {
      const result = await queue.enqueue(tx, commands);
      const inserted = new Set(result.inserted);
      const byType = new Map<string, number>();
      for (const c of commands) if (inserted.has(c.commandUuid)) byType.set(c.requestType, (byType.get(c.requestType) ?? 0) + 1);
      if (byType.size) tx.afterCommit(() => {
        for (const [requestType, n] of byType) this.enqueued.inc({ request_type: requestType }, n);
      });
      return result;
    };
    return counted;
  }

  /** Node's process metrics (CPU, memory, event loop lag, GC): for a serving process only, once. */
  collectProcessMetrics(): void {
    if (this.defaultsCollected) return;
    this.defaultsCollected = true;
    collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
