import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { pushCertificate, serverCertificate, testCa, type TestCert } from './test-certs';

/**
 * A real APNs stand-in: an HTTP/2 TLS server that demands a client certificate from its own CA,
 * records every request and answers as scripted (default 200). Point APNS_URL at `url` and
 * APNS_CA_FILE at `caFile`; `pushCert` is a push certificate it accepts.
 */
export interface ApnsRequest {
  token: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Subject of the client certificate the push was sent with. */
  clientSubject: string;
}

export interface ScriptedAnswer {
  status: number;
  reason?: string;
}

export interface FakeApns {
  url: string;
  caFile: string;
  ca: TestCert;
  pushCert: TestCert & { topic: string };
  requests: ApnsRequest[];
  /** TLS sessions accepted so far (sessions are meant to be reused). */
  sessions(): number;
  /** Answers for a token, used in order; when they run out the token gets 200. */
  script(token: string, ...answers: ScriptedAnswer[]): void;
  /** Answer for every request without a scripted answer (default 200). */
  answerAll(answer: ScriptedAnswer | null): void;
  /** Sends GOAWAY on every open session (APNs does this on maintenance); resolves when they closed. */
  goAway(): Promise<void>;
  waitFor(count: number, timeoutMs?: number): Promise<ApnsRequest[]>;
  close(): Promise<void>;
}

export async function startFakeApns(opts: { delayMs?: number } = {}): Promise<FakeApns> {
  const dir = mkdtempSync(join(tmpdir(), 'slate-fake-apns-'));
  const ca = testCa('Fake APNs CA');
  const server = serverCertificate(ca, 'localhost');
  const pushCert = pushCertificate(ca);
  const caFile = join(dir, 'fake-apns-ca.pem');
  writeFileSync(caFile, ca.certPem);
  const requests: ApnsRequest[] = [];
  const scripts = new Map<string, ScriptedAnswer[]>();
  let fallback: ScriptedAnswer | null = null;
  const open = new Set<http2.ServerHttp2Session>();
  let sessionCount = 0;

  const srv = http2.createSecureServer({
    key: server.keyPem, cert: server.certPem, ca: [ca.certPem], requestCert: true, rejectUnauthorized: true,
    settings: { maxConcurrentStreams: 1000 },
  });
  const peers = new WeakMap<object, string>();
  srv.on('session', (s) => {
    sessionCount++;
    const peer = (s.socket as TLSSocket).getPeerCertificate();
    peers.set(s, peer?.subject ? JSON.stringify(peer.subject) : '');
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  srv.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => {
      const path = String(headers[':path']);
      const token = path.replace(/^\/3\/device\//, '');
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) if (typeof v === 'string') flat[k] = v;
      requests.push({ token, path, headers: flat, body, clientSubject: (stream.session && peers.get(stream.session)) ?? '' });
      const answer = scripts.get(token)?.shift() ?? fallback ?? { status: 200 };
      const respond = () => {
        if (stream.destroyed) return;
        stream.respond({ ':status': answer.status, 'apns-id': randomUUID(), ...(answer.status === 200 ? {} : { 'content-type': 'application/json' }) });
        stream.end(answer.status === 200 ? undefined : JSON.stringify({ reason: answer.reason ?? 'InternalServerError' }));
      };
      if (opts.delayMs) setTimeout(respond, opts.delayMs);
      else respond();
    });
    stream.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;

  return {
    url: `https://localhost:${port}`,
    caFile, ca, pushCert, requests,
    sessions: () => sessionCount,
    script: (token, ...answers) => scripts.set(token, answers),
    answerAll: (answer) => (fallback = answer),
    goAway: async () => {
      const closing = [...open].map((s) => new Promise<void>((resolve) => {
        s.once('close', () => resolve());
        s.goaway(http2.constants.NGHTTP2_NO_ERROR);
        s.close(); // like APNs: no new streams, then the connection ends
      }));
      await Promise.all(closing);
    },
    waitFor: async (count, timeoutMs = 10_000) => {
      const until = Date.now() + timeoutMs;
      while (requests.length < count) {
        if (Date.now() > until) throw new Error(`fake APNs: expected ${count} requests, got ${requests.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return requests;
    },
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise<void>((resolve) => srv.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
