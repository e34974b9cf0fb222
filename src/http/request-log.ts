import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log/logger';

/**
 * One line per request. The logged path is the route pattern when one matched, so enrolment
 * tokens in URLs and SCEP `message` queries never reach the log; handlers may lower the level
 * of routine traffic (device polls) with `res.locals.logLevel = 'debug'`.
 */
export function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : undefined;
      const path = route ?? req.baseUrl + (req.path.length > 64 ? req.path.slice(0, 64) + '…' : req.path);
      const level = (res.locals.logLevel as 'debug' | 'info' | undefined) ?? (res.statusCode >= 500 ? 'error' : 'info');
      logger[level]({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10, reason: res.locals.reason }, 'request');
    });
    next();
  };
}
