import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log/logger';

/** What a handler tells the request log: why it answered as it did, and routine traffic's level. */
export interface RequestLocals {
  reason?: string;
  logLevel?: 'debug' | 'info';
}

/**
 * Told of every finished request (metrics), with the same path as the log line. Runs on the
 * device poll path, so it must stay a few counter increments.
 */
export type RequestObserver = (path: string, status: number, start: bigint) => void;

/** Writes the one line per request (express routes and the node:http fast routes alike). */
export function logRequest(logger: Logger, r: { method: string | undefined; path: string; status: number; start: bigint; locals: RequestLocals }): void {
  const ms = Number(process.hrtime.bigint() - r.start) / 1e6;
  const level = r.locals.logLevel ?? (r.status >= 500 ? 'error' : 'info');
  logger[level]({ method: r.method, path: r.path, status: r.status, ms: Math.round(ms * 10) / 10, reason: r.locals.reason }, 'request');
}

/**
 * One line per request. The logged path is the route pattern when one matched, so enrolment
 * tokens in URLs and SCEP `message` queries never reach the log; a path no route matched is cut to
 * its first segment (`/enroll/<token>/x` → `/enroll/*`), since its later segments are exactly what
 * a mistyped or probed URL carries. Handlers may lower the level of routine traffic (device polls)
 * with `res.locals.logLevel = 'debug'`.
 */
export function requestLog(logger: Logger, observe?: RequestObserver) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
      const path = route ?? unmatched(req.baseUrl + req.path);
      logRequest(logger, { method: req.method, path, status: res.statusCode, start, locals: res.locals as RequestLocals });
      observe?.(path, res.statusCode, start);
    });
    next();
  };
}

/** `/a/b/c` → `/a/*`; `/a` stays; capped, so a long first segment cannot flood the log either. */
export function unmatched(path: string): string {
  const second = path.indexOf('/', 1);
  const first = second < 0 ? path : `${path.slice(0, second)}/*`;
  return first.length > 48 ? `${first.slice(0, 48)}…` : first;
}
