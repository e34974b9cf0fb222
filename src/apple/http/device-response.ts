import type { ServerResponse } from 'node:http';
import { toAppError } from '../../errors';
import type { Logger } from '../../log/logger';
/** What the device endpoints answer: a bare status, optionally with a body. */
export interface DeviceReply {
  status: number;
  body?: Buffer;
  contentType?: string;
  /** Why, for the log line (devices never see it). */
  reason?: string;
}

/** A node response, or an express one (whose `locals.reason` feeds the request log line). */
type DeviceResponse = ServerResponse & { locals?: { reason?: string } };

/**
 * Devices get bare statuses (DESIGN §3). Never 401: an iPad that sees 401 may unenrol itself,
 * which for a school means a technician visit. Written with node:http's own calls so the command
 * endpoint's fast path and the express routes answer alike.
 */
export function sendDeviceReply(res: DeviceResponse, reply: DeviceReply): void {
  if (reply.reason && res.locals) res.locals.reason = reply.reason;
  const status = reply.status === 401 ? 403 : reply.status;
  if (reply.body) {
    res.writeHead(status, { 'Content-Type': reply.contentType ?? 'application/xml', 'Content-Length': reply.body.length });
    res.end(reply.body);
  } else {
    res.writeHead(status, { 'Content-Length': 0 });
    res.end();
  }
}

/** Answers a refused or failed device request (its code goes to the request log as the reason). */
export function sendDeviceError(res: DeviceResponse, logger: Logger, err: unknown, context: Record<string, unknown>): void {
  const e = toAppError(err);
  if (e.status >= 500) logger.error({ ...context, err: e.cause ?? e, code: e.code }, 'device request failed');
  else logger.warn({ ...context, code: e.code, reason: e.message }, 'device request refused');
  // A device over the size limit may still be sending: close rather than read the rest.
  if (e.code === 'payload_too_large' && !res.headersSent) res.setHeader('Connection', 'close');
  sendDeviceReply(res, { status: e.status >= 500 ? 500 : e.status, reason: e.code });
}
