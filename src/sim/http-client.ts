import http from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

export interface HttpReply {
  status: number;
  body: Buffer;
  /** The response's content-type (GetCACert tells a CA from a CA+RA answer by it). */
  contentType?: string;
}

/** Sends one request to Slate the way a device does: over its device-facing HTTP(S) endpoints only. */
export type Transport = (method: 'GET' | 'PUT' | 'POST', url: string, body?: Buffer, headers?: Record<string, string>) => Promise<HttpReply>;

export interface HttpClientOptions {
  /**
   * PEM certificates to trust besides the system roots: Slate's development CA, which issued the
   * localhost certificate a development Slate serves (an iPad trusts it through the profile's
   * root payload; a simulator is told it up front).
   */
  trust?: string[];
  timeoutMs?: number;
}

/** Largest answer accepted: an enrolment profile or a command with a profile inside stays far below. */
const MAX_BODY = 8 * 1024 * 1024;

/**
 * A keep-alive HTTP(S) client on node:http(s). Not fetch: fetch cannot be told to trust one more
 * CA without a dependency on undici's dispatcher API.
 */
export function httpClient(o: HttpClientOptions = {}): Transport & { close(): void } {
  const httpAgent = new http.Agent({ keepAlive: true });
  const httpsAgent = new https.Agent({ keepAlive: true, ...(o.trust?.length ? { ca: [...tls.rootCertificates, ...o.trust] } : {}) });
  const send: Transport = (method, url, body, headers = {}) =>
    new Promise<HttpReply>((resolve, reject) => {
      const u = new URL(url);
      const secure = u.protocol === 'https:';
      const req = (secure ? https : http).request(u, {
        method, agent: secure ? httpsAgent : httpAgent, timeout: o.timeoutMs ?? 30_000,
        headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
      }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_BODY) req.destroy(new Error(`${method} ${u.pathname}: answer larger than ${MAX_BODY} bytes`));
          else chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? '') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${u.pathname}: no answer within ${o.timeoutMs ?? 30_000} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  return Object.assign(send, {
    /** Closes the kept-alive connections (a finished simulator must not hold the process open). */
    close: () => {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}
