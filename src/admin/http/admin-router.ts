import express, { Router, type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { AppError, toAppError } from '../../errors';
import type { Logger } from '../../log/logger';
import type { AdminServices } from '../admin.factory';
import type { Principal } from '../auth/principal';
import { FixedWindowLimiter } from './rate-limiter';
import { authenticate, checkCsrf, isUnsafe } from './request-auth';
import { isRaw, type RouteDef } from './route';

/** API responses are data for the console or a script: nothing to frame, embed or run. */
export const apiHelmet = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
  crossOriginResourcePolicy: { policy: 'same-origin' },
});

/**
 * The /api/v1 router: security headers, a capped JSON body parser, then per route the pipeline
 * rate limit → credentials → CSRF → validation → handler → response schema, and one error shape
 * `{error, message, fields?}` without internals.
 */
export function adminApiRouter(services: AdminServices, routes: readonly RouteDef[], logger: Logger): Router {
  const router = Router();
  const limiter = new FixedWindowLimiter(services.config.authRateLimit);
  router.use(apiHelmet);
  router.use((_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(express.json({ limit: services.config.bodyLimit, type: () => true, strict: true }));
  for (const r of routes) router[r.method](r.path, handler(r, services, limiter));
  router.use((_req: Request, res: Response) => {
    res.locals.reason = 'no_route';
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  router.use(apiErrors(logger));
  return router;
}

function handler(r: RouteDef, services: AdminServices, limiter: FixedWindowLimiter) {
  return async (req: Request, res: Response, next: NextFunction) => {
    try {
      const ip = req.ip ?? null;
      if (r.rateLimited) {
        const wait = limiter.hit(ip ?? 'unknown');
        if (wait > 0) {
          res.setHeader('Retry-After', String(wait));
          throw new AppError('rate_limited', `too many requests; try again in ${wait} s`);
        }
      }
      let principal: Principal | null = null;
      if (r.access !== 'public') {
        const auth = await authenticate(req, services);
        if (!auth) throw new AppError('unauthenticated', 'sign in with a passkey or send an API token');
        if (r.access === 'session' && auth.principal.kind !== 'session') throw new AppError('forbidden', 'only a staff session can do this');
        principal = auth.principal;
        if (isUnsafe(req.method)) checkCsrf(req, auth.viaCookie ? principal : null, services.config.origins);
      } else if (isUnsafe(req.method)) {
        checkCsrf(req, null, services.config.origins);
      }
      const params = r.params ? parse(r.params, req.params, 'path') : {};
      const query = r.query ? parse(r.query, req.query ?? {}, 'query') : {};
      if (!r.body && req.body !== undefined && !(typeof req.body === 'object' && req.body !== null && Object.keys(req.body).length === 0)) {
        throw new AppError('validation_failed', 'this endpoint takes no request body');
      }
      const body = r.body ? parse(r.body, req.body ?? {}, 'body') : undefined;
      const result = await r.handle({ principal: principal as Principal, params, query, body, ip, req, res } as never);
      if (isRaw(r.response) || res.headersSent) return;
      if (r.response === null) {
        res.status(r.status ?? 204).end();
        return;
      }
      const out = r.response.safeParse(result);
      if (!out.success) throw new AppError('server_error', `response of ${r.method.toUpperCase()} ${r.path} does not match its schema`, { expose: false, cause: out.error });
      res.status(r.status ?? 200).json(out.data);
    } catch (err) {
      next(err);
    }
  };
}

function parse(schema: z.ZodType, input: unknown, where: 'path' | 'query' | 'body'): unknown {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const i of r.error.issues) {
    const keys = i.code === 'unrecognized_keys' ? i.keys : [undefined];
    for (const k of keys) fields[[...i.path, ...(k === undefined ? [] : [k])].join('.') || where] = i.code === 'unrecognized_keys' ? 'unknown field' : i.message;
  }
  // An unknown id in the path is a thing that does not exist, not a malformed request.
  if (where === 'path') throw new AppError('not_found', 'no such object');
  const first = Object.entries(fields)[0]!;
  throw new AppError('validation_failed', `${where} ${first[0]}: ${first[1]}`, { details: { fields } });
}

/** Maps anything thrown to `{error, message, fields?}`; 5xx say nothing about internals. */
export function apiErrors(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = fromBodyParser(err);
    res.locals.reason = e.code;
    if (e.status >= 500) logger.error({ err: e.cause ?? e, code: e.code }, e.message);
    if (res.headersSent) return;
    if (!e.expose) {
      res.status(e.status).json({ error: e.status === 503 ? e.code : 'server_error', message: 'internal error' });
      return;
    }
    res.status(e.status).json({ error: e.code, message: e.message, ...fieldsOf(e.details) });
  };
}

function fromBodyParser(err: unknown): AppError {
  const e = err as { type?: string; status?: number };
  if (e?.type === 'entity.too.large') return new AppError('payload_too_large', 'request body too large');
  if (e?.type === 'entity.parse.failed') return new AppError('json_invalid', 'request body is not valid JSON');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new AppError('unsupported_media_type', 'send UTF-8 JSON');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500 && !(err instanceof AppError)) return new AppError('bad_request', 'bad request', { status: e.status });
  return toAppError(err);
}

function fieldsOf(details: unknown): { fields?: Record<string, string> } {
  if (typeof details !== 'object' || details === null) return {};
  const d = details as { fields?: Record<string, string>; field?: unknown; problem?: unknown };
  if (d.fields) return { fields: d.fields };
  if (typeof d.field === 'string' && typeof d.problem === 'string') return { fields: { [d.field]: d.problem } };
  return {};
}
