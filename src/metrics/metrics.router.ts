import { createHash, timingSafeEqual } from 'node:crypto';
import { Router, type Request } from 'express';
import type { MetricsConfig } from '../config';
import { AppError } from '../errors';
import { sendJsonError } from '../http/errors';

export interface MetricsRouterDeps {
  access: MetricsConfig;
  render(): Promise<{ contentType: string; body: string }>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The bearer token of an `Authorization` header, or undefined. */
function bearerOf(req: Request): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

/**
 * `GET /metrics` in Prometheus' text format. Metrics reveal fleet sizes and activity, so access
 * follows METRICS_TOKEN / METRICS_ALLOW (config/metrics.config.ts): off answers as an unknown
 * route would; restricted lets in a peer on the allow list (the TCP peer: a forwarded header is
 * anyone's to write) or a request with the bearer token. Served by express, not the device fast path.
 */
export function metricsRouter(deps: MetricsRouterDeps): Router {
  const { access } = deps;
  const token = access.token === undefined ? undefined : digest(access.token);
  const r = Router();
  r.get('/metrics', async (req, res, next) => {
    if (access.access === 'off') return next();
    res.locals.logLevel = 'debug';
    if (access.access === 'restricted' && !access.allow.includes(req.socket.remoteAddress)) {
      const given = bearerOf(req);
      // Digests compare in constant time whatever the lengths.
      if (token === undefined || given === undefined || !timingSafeEqual(token, digest(given))) {
        res.locals.reason = token === undefined ? 'metrics_peer_not_allowed' : given === undefined ? 'metrics_token_missing' : 'metrics_token_wrong';
        if (token !== undefined) res.setHeader('WWW-Authenticate', 'Bearer realm="slate-metrics"');
        return sendJsonError(res, token === undefined
          ? new AppError('forbidden', 'this address may not read metrics')
          : new AppError('unauthenticated', 'metrics need the bearer token (METRICS_TOKEN)'));
      }
    }
    const { contentType, body } = await deps.render();
    res.setHeader('Content-Type', contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });
  return r;
}
