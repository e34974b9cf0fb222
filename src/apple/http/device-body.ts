import type { IncomingMessage } from 'node:http';
import { AppError } from '../../errors';

/** Device bodies over 1 MiB are refused (413) before they are buffered further. */
export const DEVICE_BODY_LIMIT = 1024 * 1024;

/**
 * Reads a device request's exact bytes (both device endpoints): Mdm-Signature is computed over
 * them, so nothing may re-encode the body. Over the limit is 413 before more is buffered: by
 * Content-Length when the device sends one, else while reading. Devices never compress bodies, so
 * a Content-Encoding other than identity is refused (415) rather than inflated: no gzip bomb is
 * ever unpacked. An empty body is 400: every device message has one.
 */
export function readDeviceBody(req: IncomingMessage, limit = DEVICE_BODY_LIMIT): Promise<Buffer> {
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity') return refuse(req, new AppError('unsupported_media_type', `content-encoding ${encoding} not accepted`));
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return refuse(req, new AppError('payload_too_large', 'request body too large'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        reject(new AppError('payload_too_large', 'request body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      if (size === 0) reject(new AppError('bad_request', 'empty body'));
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!failed) reject(new AppError('bad_request', 'request body unreadable', { cause: err }));
      failed = true;
    });
  });
}

/** Drains what the device still sends (so the connection stays usable) and refuses. */
function refuse(req: IncomingMessage, err: AppError): Promise<never> {
  req.resume();
  return Promise.reject(err);
}
