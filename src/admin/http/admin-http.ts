import { Router } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import type { Logger } from '../../log/logger';
import type { AdminServices } from '../admin.factory';
import { adminApiRouter } from './admin-router';
import { docsPage } from './docs-page';
import { openApiDocument } from './openapi';
import { route, type RouteDef } from './route';
import { authRoutes } from './routes/auth.routes';
import { bulkRoutes } from './routes/bulk.routes';
import { deviceRoutes } from './routes/devices.routes';
import { orgRoutes } from './routes/org.routes';
import { profileRoutes } from './routes/profiles.routes';
import { recordRoutes } from './routes/records.routes';
import { staffRoutes } from './routes/staff.routes';
import { webhookRoutes } from './routes/webhooks.routes';

export interface AdminHttp {
  /** Mounted at /api/v1. */
  api: Router;
  /** Mounted at /api/docs. */
  docs: Router;
  routes: readonly RouteDef[];
  openApi: Record<string, unknown>;
}

/** Every admin API route, the OpenAPI document made from them, and the docs page. */
export function adminHttp(services: AdminServices, logger: Logger, version: string): AdminHttp {
  const routes: RouteDef[] = [
    ...authRoutes(services), ...staffRoutes(services), ...orgRoutes(services), ...deviceRoutes(services),
    ...bulkRoutes(services), ...profileRoutes(services), ...recordRoutes(services), ...webhookRoutes(services),
  ];
  const meta = route({
    method: 'get', path: '/openapi.json', tag: 'API', access: 'public', summary: 'This document (OpenAPI 3.1)',
    response: z.record(z.string(), z.unknown()), handle: async () => openApi,
  });
  routes.push(meta);
  const openApi = openApiDocument(routes, version);
  const html = docsPage(openApi);
  const docs = Router();
  docs.use(helmet({ contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], frameAncestors: ["'none'"] } } }));
  docs.get('/', (_req, res) => {
    res.type('html').send(html);
  });
  return { api: adminApiRouter(services, routes, logger), docs, routes, openApi };
}
