import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger';
import { logRequest, type RequestLocals, type RequestObserver } from './request-log';

/** A response as fast-route handlers and express handlers both see it. */
export type LocalsResponse = ServerResponse & { locals: RequestLocals };

export interface FastRoute {
  method: string;
  path: string;
  handle(req: IncomingMessage, res: LocalsResponse): void;
}

/**
 * Serves a few hot device endpoints (the command endpoint every iPad polls) on node:http directly
 * and hands everything else to express. Express's per-request work (router walk, request/response
 * decoration, body-parser) cost more than the database on a poll; these handlers need none of it.
 * The log line is the same as express's (request-log.ts).
 */
export function withFastRoutes(fallback: RequestListener, routes: readonly FastRoute[], logger: Logger, observe?: RequestObserver): RequestListener {
  const table = new Map(routes.map((r) => [`${r.method} ${r.path}`, r]));
  return (req, res) => {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const route = table.get(`${req.method} ${q < 0 ? url : url.slice(0, q)}`);
    if (!route) {
      fallback(req, res);
      return;
    }
    const start = process.hrtime.bigint();
    const out = Object.assign(res, { locals: {} as RequestLocals });
    res.on('finish', () => {
      logRequest(logger, { method: req.method, path: route.path, status: res.statusCode, start, locals: out.locals });
      observe?.(route.path, res.statusCode, start);
    });
    route.handle(req, out);
  };
}
