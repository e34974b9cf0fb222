import http2 from 'node:http2';
import tls from 'node:tls';
import type { Logger } from '../../log/logger';
import { classifyApnsResponse, type ApnsOutcome } from './apns-response';

/** What a push is sent with: the certificate for the topic, and its key in clear (memory only). */
export interface PushCredentials {
  topic: string;
  certPem: string;
  keyPem: string;
  fingerprint: string;
}

export interface ApnsPush {
  /** Device token, hex. */
  token: string;
  pushMagic: string;
  /** Until when APNs may hold the push for an offline device. */
  expiresAt: Date;
}

export interface ApnsClient {
  send(creds: PushCredentials, push: ApnsPush): Promise<ApnsOutcome>;
  close(): Promise<void>;
}

export interface Http2ApnsClientOptions {
  /** https://api.push.apple.com (or a fake in tests). */
  url: string;
  /** Extra CA to trust besides the system roots. */
  ca?: string;
  /** Streams in flight at once (over all sessions). */
  concurrency: number;
  timeoutMs?: number;
  logger: Logger;
}

const MAX_BODY = 4096;

/**
 * Sends MDM pushes over HTTP/2 (Apple, "Sending notification requests to APNs"; MDM: push type
 * `mdm`, payload `{"mdm": PushMagic}`). One session per certificate, reused for every push, as
 * Apple asks; a session that errors or gets GOAWAY is forgotten and the next push reconnects.
 */
export class Http2ApnsClient implements ApnsClient {
  private readonly sessions = new Map<string, http2.ClientHttp2Session>();
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly opts: Http2ApnsClientOptions) {}

  async send(creds: PushCredentials, push: ApnsPush): Promise<ApnsOutcome> {
    // The token goes into the path: never let anything but hex through.
    if (!/^[0-9a-fA-F]{16,200}$/.test(push.token)) return { kind: 'token_invalid', status: 400, reason: 'BadDeviceToken' };
    await this.acquire();
    try {
      return await this.request(creds, push);
    } finally {
      this.release();
    }
  }

  async close(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.close(() => resolve())))));
  }

  private request(creds: PushCredentials, push: ApnsPush): Promise<ApnsOutcome> {
    return new Promise<ApnsOutcome>((resolve) => {
      let req: http2.ClientHttp2Stream;
      try {
        req = this.open(creds, push);
      } catch (err) {
        resolve({ kind: 'retry', status: null, reason: errorReason(err) });
        return;
      }
      let status = 0;
      let apnsId: string | null = null;
      let body = '';
      let settled = false;
      const done = (o: ApnsOutcome) => {
        if (!settled) {
          settled = true;
          resolve(o);
        }
      };
      req.setTimeout(this.opts.timeoutMs ?? 15_000, () => {
        done({ kind: 'retry', status: null, reason: 'timeout' });
        req.close(http2.constants.NGHTTP2_CANCEL);
      });
      req.on('response', (headers) => {
        status = Number(headers[':status'] ?? 0);
        apnsId = typeof headers['apns-id'] === 'string' ? headers['apns-id'] : null;
      });
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        if (body.length < MAX_BODY) body += chunk.slice(0, MAX_BODY - body.length);
      });
      req.on('end', () => done(status ? classifyApnsResponse(status, body, apnsId) : { kind: 'retry', status: null, reason: 'no response' }));
      req.on('error', (err) => done({ kind: 'retry', status: null, reason: errorReason(err) }));
      req.on('close', () => done({ kind: 'retry', status: null, reason: `stream closed (${req.rstCode})` }));
      req.end(JSON.stringify({ mdm: push.pushMagic }));
    });
  }

  /** Opens the stream; a session that APNs just closed (GOAWAY not yet seen) is replaced once. */
  private open(creds: PushCredentials, push: ApnsPush): http2.ClientHttp2Stream {
    const headers = {
      ':method': 'POST',
      ':path': `/3/device/${push.token}`,
      'apns-push-type': 'mdm',
      'apns-topic': creds.topic,
      'apns-priority': '10',
      'apns-expiration': String(Math.floor(push.expiresAt.getTime() / 1000)),
      'content-type': 'application/json',
    };
    const session = this.session(creds);
    try {
      return session.request(headers);
    } catch {
      if (this.sessions.get(creds.fingerprint) === session) this.sessions.delete(creds.fingerprint);
      session.destroy();
      return this.session(creds).request(headers);
    }
  }

  private session(creds: PushCredentials): http2.ClientHttp2Session {
    const existing = this.sessions.get(creds.fingerprint);
    if (existing && !existing.closed && !existing.destroyed) return existing;
    const s = http2.connect(this.opts.url, {
      cert: creds.certPem,
      key: creds.keyPem,
      ...(this.opts.ca ? { ca: [...tls.rootCertificates, this.opts.ca] } : {}),
    });
    const forget = () => {
      if (this.sessions.get(creds.fingerprint) === s) this.sessions.delete(creds.fingerprint);
    };
    s.on('error', (err) => {
      forget();
      this.opts.logger.warn({ err: errorReason(err), topic: creds.topic }, 'APNs connection failed');
    });
    s.on('goaway', (code) => {
      forget();
      // Streams in flight finish; new pushes go to a fresh session.
      if (!s.closed) s.close();
      this.opts.logger.info({ code, topic: creds.topic }, 'APNs sent GOAWAY; reconnecting on the next push');
    });
    s.on('close', forget);
    this.sessions.set(creds.fingerprint, s);
    return s;
  }

  private async acquire(): Promise<void> {
    if (this.inFlight < this.opts.concurrency) {
      this.inFlight++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.inFlight--;
  }
}

function errorReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return (e?.code ?? e?.message ?? String(err)).slice(0, 120);
}
