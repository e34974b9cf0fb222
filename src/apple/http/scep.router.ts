import express, { Router, type Request, type Response } from 'express';
import { isAppError } from '../../errors';
import type { Logger } from '../../log/logger';

/** PKIOperation bodies are a CSR inside two CMS layers: a few KiB. 64 KiB leaves room and no more. */
export const SCEP_BODY_LIMIT = 64 * 1024;

export interface ScepRouterDeps {
  capabilities: readonly string[];
  caCertificate(): { body: Buffer; contentType: string };
  pkiOperation(message: Buffer): Promise<Buffer>;
  logger: Logger;
}

/**
 * `/scep` (RFC 8894 §4): GetCACaps, GetCACert, and PKIOperation by POST (raw DER; a `message`
 * query parameter is ignored) or GET (`message` base64). Answers are bare statuses on failure.
 */
export function scepRouter(deps: ScepRouterDeps): Router {
  const r = Router();
  const operation = (req: Request) => String(req.query.operation ?? '');

  r.get('/', async (req, res) => {
    switch (operation(req)) {
      case 'GetCACaps':
        res.status(200).type('text/plain').send(deps.capabilities.join('\n'));
        return;
      case 'GetCACert': {
        const ca = deps.caCertificate();
        res.status(200).type(ca.contentType).send(ca.body);
        return;
      }
      case 'PKIOperation': {
        const message = typeof req.query.message === 'string' ? req.query.message : '';
        // Query strings turn '+' into ' ' when clients forget to escape it.
        const b64 = message.replace(/ /g, '+').replace(/\s+/g, '');
        if (!b64 || b64.length > (SCEP_BODY_LIMIT * 4) / 3 + 4 || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) {
          bare(res, 400, 'PKIOperation message missing or not base64');
          return;
        }
        await pkiOperation(deps, res, Buffer.from(b64, /[-_]/.test(b64) ? 'base64url' : 'base64'));
        return;
      }
      default:
        bare(res, 400, 'unknown SCEP operation');
    }
  });

  r.post('/', express.raw({ type: () => true, limit: SCEP_BODY_LIMIT }), async (req, res) => {
    if (operation(req) !== 'PKIOperation') {
      bare(res, 400, 'unknown SCEP operation');
      return;
    }
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    await pkiOperation(deps, res, body);
  });
  return r;
}

async function pkiOperation(deps: ScepRouterDeps, res: Response, message: Buffer): Promise<void> {
  if (message.length === 0) {
    bare(res, 400, 'empty PKIOperation');
    return;
  }
  try {
    const reply = await deps.pkiOperation(message);
    res.status(200).type('application/x-pki-message').send(reply);
  } catch (err) {
    if (isAppError(err) && err.status < 500) {
      bare(res, 400, err.message);
      return;
    }
    deps.logger.error({ err }, 'SCEP PKIOperation failed');
    bare(res, 500, 'server_error');
  }
}

function bare(res: Response, status: number, reason: string): void {
  res.locals.reason = reason;
  res.status(status).end();
}
