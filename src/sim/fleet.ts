import { randomBytes } from 'node:crypto';
import type { Transport } from './http-client';
import { SimulatedIpad, type LedgerEntry } from './ipad-simulator';

/** What a simulated fleet reports as it goes. */
export type FleetEvent =
  | { event: 'enrolled'; serial: string; udid: string; name: string }
  | { event: 'answered'; serial: string; requestType: string; status: LedgerEntry['answered']; commandUuid: string }
  | { event: 'erased'; serial: string }
  | { event: 'unreachable'; serial: string; error: string };

export interface FleetOptions {
  /** The enrolment link every iPad opens (its profile names Slate's /scep and /mdm URLs). */
  link: string;
  count: number;
  transport: Transport;
  /** Maps Slate's public URL to where this process reaches it (`slate sim --url`). */
  rewrite?: (url: string) => string;
  onEvent: (e: FleetEvent) => void;
}

/**
 * Simulated iPads for `slate sim`: each enrols through the real link, profile, SCEP and check-in
 * endpoints, then polls the command endpoint like an iPad woken by a push (the development push
 * topic sends none, so they ask every round), answering what Slate sends. They say what they are:
 * serials SIM-XXXXXX, names "Simulated iPad N".
 */
export class SimulatedFleet {
  readonly ipads: SimulatedIpad[] = [];
  /** The last failure per iPad, so a server that is down is reported once, not every round. */
  private readonly failing = new Map<SimulatedIpad, string>();

  constructor(private readonly o: FleetOptions) {}

  /** Enrols the iPads one after another (each takes a SCEP round trip and an RSA key). */
  async enrol(): Promise<void> {
    const run = randomBytes(2).toString('hex').toUpperCase();
    for (let i = 1; i <= this.o.count; i++) {
      const ipad = new SimulatedIpad(this.o.rewrite, {
        serial: `SIM-${run}${String(i).padStart(2, '0')}`, name: `Simulated iPad ${i}`,
        // Made up, somewhere near the example organisation's schools: shown only while lost.
        location: { latitude: round(49.3 + (Math.random() - 0.5) * 0.1), longitude: round(7.0 + (Math.random() - 0.5) * 0.1) },
      }, this.o.transport);
      await ipad.enrol(this.o.link);
      this.ipads.push(ipad);
      this.o.onEvent({ event: 'enrolled', serial: ipad.facts.serial, udid: ipad.udid, name: ipad.facts.name });
    }
  }

  /** One round: every iPad still enrolled asks for its commands and answers them. */
  async poll(): Promise<number> {
    const live = this.ipads.filter((i) => !i.erased);
    const answered = await Promise.all(live.map((ipad) => this.contact(ipad)));
    return answered.reduce((a, b) => a + b, 0);
  }

  /** Rounds every `intervalMs` until `signal` aborts; the round in progress finishes first. */
  async run(intervalMs: number, signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.poll();
      if (this.ipads.every((i) => i.erased)) return;
      await sleep(intervalMs, signal);
    }
  }

  private async contact(ipad: SimulatedIpad): Promise<number> {
    const serial = ipad.facts.serial;
    let handled: LedgerEntry[];
    try {
      handled = await ipad.connect();
    } catch (err) {
      const error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (this.failing.get(ipad) !== error) this.o.onEvent({ event: 'unreachable', serial, error });
      this.failing.set(ipad, error);
      return 0;
    }
    this.failing.delete(ipad);
    for (const h of handled) this.o.onEvent({ event: 'answered', serial, requestType: h.requestType, status: h.answered, commandUuid: h.commandUuid });
    if (ipad.erased) this.o.onEvent({ event: 'erased', serial });
    return handled.length;
  }
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done);
  });
}
