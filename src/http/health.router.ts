import { Router } from 'express';

export interface HealthDeps {
  /** Resolves when the database answers; rejects otherwise. */
  pingDatabase(): Promise<void>;
}

/** /healthz: the process is alive. /readyz: it can serve (database reachable). */
export function healthRouter(deps: HealthDeps): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.locals.logLevel = 'debug';
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    res.locals.logLevel = 'debug';
    try {
      await deps.pingDatabase();
      res.json({ status: 'ready', database: 'ok' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'unreachable' });
    }
  });
  return r;
}
