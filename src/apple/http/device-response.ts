import type { Response } from 'express';
import { toAppError } from '../../errors';
import type { Logger } from '../../log/logger';
import type { DeviceReply } from '../checkin.types';

/**
 * Devices get bare statuses (DESIGN §3). Never 401: an iPad that sees 401 may unenrol itself,
 * which for a school means a technician visit.
 */
export function sendDeviceReply(res: Response, reply: DeviceReply): void {
  if (reply.reason) res.locals.reason = reply.reason;
  res.status(reply.status === 401 ? 403 : reply.status);
  if (reply.body) res.type(reply.contentType ?? 'application/xml').send(reply.body);
  else res.end();
}

export function sendDeviceError(res: Response, logger: Logger, err: unknown, context: Record<string, unknown>): void {
  const e = toAppError(err);
  if (e.status >= 500) logger.error({ ...context, err: e.cause ?? e, code: e.code }, 'device request failed');
  else logger.warn({ ...context, code: e.code, reason: e.message }, 'device request refused');
  sendDeviceReply(res, { status: e.status >= 500 ? 500 : e.status, reason: e.code });
}
