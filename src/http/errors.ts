import type { NextFunction, Request, Response } from 'express';
import { AppError, toAppError } from '../errors';
import type { Logger } from '../log/logger';

/** JSON error body for staff-facing endpoints: `{error: code, message}`, never internals. */
export function sendJsonError(res: Response, err: AppError): void {
  const body = err.expose ? { error: err.code, message: err.message } : { error: 'server_error', message: 'internal error' };
  res.status(err.status).json(body);
}

/** Maps express body-parser and similar errors onto the error model. */
export function fromHttpError(err: unknown): AppError {
  const e = err as { type?: string; status?: number; message?: string };
  if (e && e.type === 'entity.too.large') return new AppError('payload_too_large', 'request body too large');
  if (e && typeof e.status === 'number' && e.status >= 400 && e.status < 500) return new AppError('bad_request', e.message ?? 'bad request', { status: e.status });
  return toAppError(err);
}

/** Last middleware: logs and answers. Device routes answer with a bare status (see DESIGN §3). */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const e = fromHttpError(err);
    res.locals.reason = e.code;
    if (e.status >= 500) logger.error({ err: e.cause ?? e, code: e.code }, e.message);
    if (res.headersSent) return;
    if (req.path.startsWith('/api/') || req.path === '/readyz' || req.path === '/healthz') sendJsonError(res, e);
    else res.status(e.status).end();
  };
}
