import { Agent, request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { signDetached } from '../../sim/mdm-signature';

/**
 * The load generator of the command-poll benchmark, in its own thread so that signing and HTTP
 * client work do not run on the server's event loop. Each simulated device signs every request.
 */
export interface PollDevice {
  udid: string;
  keyPem: string;
  certDer: string;
  connectUrl: string;
  /** UUIDs of the commands queued for it, in the order Slate will hand them out. */
  commands?: string[];
}

export interface PollJob {
  devices: PollDevice[];
  /** closed: each device loops as fast as answers come; open: requests paced at `rate`/s. */
  mode: 'closed' | 'open';
  durationMs: number;
  rate?: number;
  /**
   * Idle → command → Acknowledged → Idle ...: after each answer the device polls Idle again, as in
   * the round trip. A command handed out with the answer is then re-sent at that Idle
   * (Slate re-sends a sent-but-unanswered command), so the server does slightly more than the
   * ideal cycle, where the answer would get an empty reply.
   */
  cycle?: boolean;
}

export interface PollResult {
  /** Time spent signing the requests before the clock started. */
  presignMs: number;
  requests: number;
  commands: number;
  errors: number;
  elapsedMs: number;
  latenciesMs: number[];
}

const plist = (entries: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n${entries}</dict>\n</plist>\n`;
const idle = (udid: string) => plist(`\t<key>Status</key>\n\t<string>Idle</string>\n\t<key>UDID</key>\n\t<string>${udid}</string>\n`);
const ack = (udid: string, uuid: string) =>
  plist(`\t<key>CommandUUID</key>\n\t<string>${uuid}</string>\n\t<key>Status</key>\n\t<string>Acknowledged</string>\n\t<key>UDID</key>\n\t<string>${udid}</string>\n`);

const agent = new Agent({ keepAlive: true, maxSockets: 256 });

interface Signed {
  buf: Buffer;
  sig: string;
}

const signed = (d: PollDevice, body: string): Signed => {
  const buf = Buffer.from(body, 'utf8');
  return { buf, sig: signDetached(buf, d.keyPem, Buffer.from(d.certDer, 'base64')) };
};

/**
 * Every request is signed by its device's key, but ahead of the clock: an RSA-2048 signature costs
 * this machine ~1 ms, so signing live would measure the load generator (2 cores in all), not Slate.
 */
const presigned = new Map<string, Signed>();

function put(d: PollDevice, body: string, key: string): Promise<{ status: number; body: string }> {
  const { buf, sig } = presigned.get(key) ?? signed(d, body);
  return new Promise((resolve, reject) => {
    const req = request(d.connectUrl, { method: 'PUT', agent, headers: { 'content-type': 'application/xml', 'content-length': buf.length, 'mdm-signature': sig } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(buf);
  });
}

const uuidOf = (body: string) => /<key>CommandUUID<\/key>\s*<string>([^<]+)<\/string>/.exec(body)?.[1];

async function run(job: PollJob): Promise<PollResult> {
  const r: PollResult = { presignMs: 0, requests: 0, commands: 0, errors: 0, elapsedMs: 0, latenciesMs: [] };
  const p0 = performance.now();
  for (const d of job.devices) {
    presigned.set(`idle:${d.udid}`, signed(d, idle(d.udid)));
    for (const uuid of d.commands ?? []) presigned.set(uuid, signed(d, ack(d.udid, uuid)));
  }
  r.presignMs = performance.now() - p0;
  // Tell the server side we are ready, and start the clock when it says go.
  await new Promise<void>((resolve) => {
    parentPort!.once('message', () => resolve());
    parentPort!.postMessage({ ready: true });
  });
  const start = performance.now();
  const end = start + job.durationMs;
  const pending = new Map<string, string | undefined>(); // udid -> command to acknowledge next
  const once = async (d: PollDevice) => {
    const uuid = pending.get(d.udid);
    const t0 = performance.now();
    try {
      const res = await put(d, uuid ? ack(d.udid, uuid) : idle(d.udid), uuid ?? `idle:${d.udid}`);
      r.latenciesMs.push(performance.now() - t0);
      r.requests++;
      if (res.status !== 200) r.errors++;
      const next = res.status === 200 && res.body ? uuidOf(res.body) : undefined;
      if (next) r.commands++;
      pending.set(d.udid, job.cycle && uuid ? undefined : next);
    } catch {
      r.errors++;
    }
  };
  if (job.mode === 'closed') {
    await Promise.all(job.devices.map(async (d) => {
      while (performance.now() < end) await once(d);
    }));
  } else {
    const interval = 1000 / (job.rate ?? 500);
    const inflight = new Set<Promise<void>>();
    let i = 0;
    const busy = new Set<string>();
    for (let next = start; next < end; next += interval) {
      const wait = next - performance.now();
      if (wait > 1) await new Promise((res) => setTimeout(res, wait));
      // A device has one request in flight at a time, as a real device does.
      let d = job.devices[i++ % job.devices.length]!;
      for (let k = 0; busy.has(d.udid) && k < job.devices.length; k++) d = job.devices[i++ % job.devices.length]!;
      if (busy.has(d.udid)) continue;
      busy.add(d.udid);
      const p = once(d).finally(() => { busy.delete(d.udid); inflight.delete(p); });
      inflight.add(p);
    }
    await Promise.all(inflight);
  }
  r.elapsedMs = performance.now() - start;
  return r;
}

if (parentPort) {
  void run(workerData as PollJob).then((res) => parentPort!.postMessage(res));
}
