import { collectDefaultMetrics, Counter, Registry } from 'prom-client';
import type { PushResults } from '../apple/apns/push.service';
import type { CheckinService } from '../apple/checkin.service';
import type { CommandQueueStore } from '../db/stores';
import { deviceEndpointOf, DeviceRequests } from './device-requests';

const PUSH_OUTCOMES: Record<keyof PushResults, string> = {
  delivered: 'delivered', tokenInvalid: 'token_invalid', retry: 'retry', dropped: 'dropped', skipped: 'skipped', certRejected: 'cert_rejected',
  withheld: 'withheld',
};

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
  private readonly requests = new DeviceRequests();
  private readonly checkins: Counter<'message_type'>;
  private readonly enqueued: Counter<'request_type'>;
  private readonly pushes: Counter<'outcome'>;
  private defaultsCollected = false;

  constructor() {
    const registers = [this.registry];
    this.requests.register(this.registry);
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
    if (endpoint !== undefined) this.requests.record(endpoint, status, Number(process.hrtime.bigint() - start) / 1e9);
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
