import express, { type Express, type Router } from 'express';
import type { Logger } from '../log/logger';
import { errorHandler } from './errors';
import { requestLog, type RequestObserver } from './request-log';

export interface Mount {
  path: string;
  router: Router;
}

/** The express app: cross-cutting middleware around the routers the composition root hands in. */
export function buildHttpApp(logger: Logger, mounts: readonly Mount[], opts: { trustProxy?: boolean | string; observe?: RequestObserver } = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (opts.trustProxy !== undefined) app.set('trust proxy', opts.trustProxy);
  app.use(requestLog(logger, opts.observe));
  for (const m of mounts) app.use(m.path, m.router);
  app.use((_req, res) => {
    res.locals.reason = 'no_route';
    res.status(404).json({ error: 'not_found', message: 'no such endpoint' });
  });
  app.use(errorHandler(logger));
  return app;
}
