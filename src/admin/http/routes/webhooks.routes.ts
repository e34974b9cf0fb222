import { z } from 'zod';
import type { AdminServices } from '../../admin.factory';
import { WEBHOOK_EVENTS } from '../../webhooks/webhook.service';
import { route, type RouteDef } from '../route';
import { code, idParams, limitQuery, nullableTimestamp, timestamp } from '../schemas';

const TAG = 'Webhooks';
const webhook = z.object({ id: z.string(), url: z.string(), events: z.array(z.enum(WEBHOOK_EVENTS)), scopeUnitId: z.string(), createdBy: z.string().nullable(), createdAt: timestamp, disabledAt: nullableTimestamp });

export function webhookRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'get', path: '/webhooks', tag: TAG, access: 'any', summary: 'Webhooks scoped inside your scope',
      response: z.object({ items: z.array(webhook) }), handle: async ({ principal }) => ({ items: await s.webhooks.list(principal) }),
    }),
    route({
      method: 'post', path: '/webhooks', tag: TAG, access: 'any', status: 201,
      summary: 'Subscribe a URL to events at and under a unit; bodies are signed (X-Slate-Signature: t=..,v1=HMAC-SHA256(secret, "t.body"))',
      body: z.strictObject({ url: z.url().max(2000), events: z.array(z.enum(WEBHOOK_EVENTS)).min(1).max(WEBHOOK_EVENTS.length), scope: code.optional() }),
      response: z.object({ webhook, secret: z.string().describe('the HMAC key; shown once') }),
      handle: async ({ principal, body, ip }) => {
        const r = await s.webhooks.create(principal, body, ip);
        return { webhook: r.hook, secret: r.secret };
      },
    }),
    route({
      method: 'delete', path: '/webhooks/:id', tag: TAG, access: 'any', summary: 'Remove a webhook (pending deliveries are dropped)',
      params: idParams, response: null, handle: async ({ principal, params, ip }) => s.webhooks.remove(principal, params.id, ip),
    }),
    route({
      method: 'get', path: '/webhooks/:id/deliveries', tag: TAG, access: 'any', summary: 'Delivery log of a webhook, newest first',
      params: idParams, query: z.strictObject({ limit: limitQuery(500, 50) }),
      response: z.object({ items: z.array(z.object({
        eventId: z.string(), event: z.string(), attempt: z.number(), statusCode: z.number().nullable(), error: z.string().nullable(),
        durationMs: z.number(), outcome: z.enum(['delivered', 'retry', 'gave_up']), at: timestamp,
      })) }),
      handle: async ({ principal, params, query }) => ({ items: await s.webhooks.deliveries(principal, params.id, query.limit) }),
    }),
  ];
}
