import type { Express, Router } from 'express';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  name?: string;
  handle?: { stack?: Layer[] };
}

/** `method /path` (express form, `:id`) of every route a router serves, read from its stack. */
function routesOf(router: Router): string[] {
  const out: string[] = [];
  for (const layer of (router as unknown as { stack: Layer[] }).stack) {
    if (!layer.route) continue;
    for (const [m, on] of Object.entries(layer.route.methods)) if (on && m !== '_all') out.push(`${m} ${layer.route.path}`);
  }
  return out.sort();
}

/** Every route the app serves under /api/v1: what express will answer, not what our route list says. */
export function servedApiRoutes(app: Express): string[] {
  const api = (app as unknown as { router: { stack: Layer[] } }).router.stack
    .filter((l) => l.handle?.stack && l.name === 'router')
    .map((l) => routesOf(l.handle as unknown as Router))
    .find((r) => r.includes('get /openapi.json'));
  if (!api) throw new Error('no /api/v1 router found in the express app');
  return api;
}
