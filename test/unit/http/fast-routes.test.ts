import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readDeviceBody } from '../../../src/apple/http/device-body';
import { sendDeviceError, sendDeviceReply } from '../../../src/apple/http/device-response';
import { withFastRoutes } from '../../../src/http/fast-routes';
import { silentLogger } from '../../../src/log/logger';

/** A raw HTTP request (chunked when `chunks` has several parts, so no Content-Length). */
function send(port: number, path: string, chunks: Buffer[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port, path, method: 'PUT', headers }, (res) => {
      const got: Buffer[] = [];
      res.on('data', (c: Buffer) => got.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(got).toString() }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('fast routes and the device body reader', () => {
  let server: Server;
  let port: number;
  const lines: Record<string, unknown>[] = [];
  const logger = { ...silentLogger(), debug: (o: Record<string, unknown>) => void lines.push(o), info: (o: Record<string, unknown>) => void lines.push(o), warn: () => undefined, error: () => undefined } as unknown as ReturnType<typeof silentLogger>;

  beforeAll(async () => {
    const route = {
      method: 'PUT', path: '/mdm/connect',
      handle: (req: Parameters<typeof readDeviceBody>[0], res: Parameters<typeof sendDeviceReply>[0] & { locals: { logLevel?: 'debug' } }) => {
        res.locals.logLevel = 'debug';
        readDeviceBody(req, 1000).then(
          (body) => sendDeviceReply(res, { status: 200, body: Buffer.from(`got ${body.length}`) }),
          (err) => sendDeviceError(res, logger, err, {}),
        );
      },
    };
    server = createServer(withFastRoutes((_req, res) => res.writeHead(404).end('express'), [route], logger));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  it('routes the exact path (query ignored) to the fast handler and the rest to the fallback', async () => {
    expect(await send(port, '/mdm/connect?x=1', [Buffer.from('abc')])).toEqual({ status: 200, body: 'got 3' });
    expect(await send(port, '/mdm/checkin', [Buffer.from('abc')])).toEqual({ status: 404, body: 'express' });
    expect(lines.at(-1)).toMatchObject({ method: 'PUT', path: '/mdm/connect', status: 200 });
  });

  it('refuses an oversized body by Content-Length and while streaming, and compressed bodies', async () => {
    expect((await send(port, '/mdm/connect', [Buffer.alloc(1001)])).status).toBe(413);
    expect((await send(port, '/mdm/connect', [Buffer.alloc(600), Buffer.alloc(600)])).status).toBe(413);
    expect(lines.at(-1)).toMatchObject({ path: '/mdm/connect', status: 413, reason: 'payload_too_large' });
    expect((await send(port, '/mdm/connect', [Buffer.from('x')], { 'content-encoding': 'gzip' })).status).toBe(415);
    expect(await send(port, '/mdm/connect', [Buffer.alloc(500), Buffer.alloc(500)])).toEqual({ status: 200, body: 'got 1000' });
  });
});

describe('request log paths', () => {
  it('cut an unmatched path to its first segment: a mistyped enrolment URL never logs its token (#9)', () => {
    const { unmatched } = jest.requireActual('../../../src/http/request-log') as typeof import('../../../src/http/request-log');
    expect(unmatched('/enroll/3q2xSecretTokenValue/x')).toBe('/enroll/*');
    expect(unmatched('/nope')).toBe('/nope');
    expect(unmatched(`/${'a'.repeat(100)}`)).toHaveLength(49);
  });
});
