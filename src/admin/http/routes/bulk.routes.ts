import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { AdminServices } from '../../admin.factory';
import { BULK_ACTIONS, type BulkProgressView } from '../../fleet/bulk-jobs.service';
import { route, type RouteDef } from '../route';
import { code, dateQuery, deviceState, idParams, limitQuery, platform, timestamp } from '../schemas';

const TAG = 'Bulk jobs';
/** An event stream ends by itself after this long; the console reconnects if it still cares. */
const STREAM_MAX_MS = 30 * 60_000;

export const bulkView = z.object({
  id: z.string(), action: z.string(), requestType: z.string(), unit: z.string(), total: z.number(),
  counts: z.object({ queued: z.number(), sent: z.number(), acknowledged: z.number(), error: z.number(), notNow: z.number(), cancelled: z.number(), expired: z.number() }),
  done: z.boolean().describe('every command has a final answer'), createdBy: z.string().nullable(), createdAt: timestamp,
});

export function bulkRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'post', path: '/bulk-jobs', tag: TAG, access: 'any', status: 202,
      summary: 'Run an action on every device a filter selects (wipe: passkey confirmation and the unit code typed back)',
      body: z.strictObject({
        action: z.enum(BULK_ACTIONS), unit: code.optional().describe('default: your scope'), platform: platform.optional(), state: deviceState.optional(),
        lastSeenBefore: dateQuery.optional(), params: z.record(z.string(), z.union([z.string().max(500), z.boolean()])).optional().describe('as for the single-device action'),
        confirm: z.string().max(64).optional(),
      }),
      response: z.object({ id: z.string(), total: z.number(), skipped: z.number() }),
      handle: async ({ principal, body, ip }) => s.bulk.start(principal, body, ip),
    }),
    route({
      method: 'get', path: '/bulk-jobs', tag: TAG, access: 'any', summary: 'Recent bulk jobs in your scope',
      query: z.strictObject({ limit: limitQuery(100, 20) }), response: z.object({ items: z.array(bulkView) }),
      handle: async ({ principal, query }) => ({ items: await s.bulk.list(principal, query.limit) }),
    }),
    route({
      method: 'get', path: '/bulk-jobs/:id', tag: TAG, access: 'any', summary: 'Progress of a bulk job',
      params: idParams, response: bulkView, handle: async ({ principal, params }) => s.bulk.progress(principal, params.id),
    }),
    route({
      method: 'get', path: '/bulk-jobs/:id/events', tag: TAG, access: 'any',
      summary: 'Progress as server-sent events: `progress` with the job (as GET /bulk-jobs/{id}) when it changes, `done` at the end',
      params: idParams, query: z.strictObject({ intervalMs: z.coerce.number().int().min(100).max(10_000).default(1000) }),
      response: { contentType: 'text/event-stream', description: 'event: progress, data: the bulk job as JSON; event: done' },
      handle: async ({ principal, params, query, req, res }) => {
        let view = await s.bulk.progress(principal, params.id);
        res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });
        res.flushHeaders();
        let closed = false;
        req.on('close', () => (closed = true));
        const send = (v: BulkProgressView) => res.write(`event: progress\ndata: ${JSON.stringify(bulkView.parse(v))}\n\n`);
        send(view);
        const until = Date.now() + STREAM_MAX_MS;
        while (!closed && !view.done && Date.now() < until) {
          await sleep(query.intervalMs);
          const next = await s.bulk.progress(principal, params.id);
          if (JSON.stringify(next.counts) !== JSON.stringify(view.counts) || next.done) send(next);
          else res.write(': still running\n\n');
          view = next;
        }
        if (!closed) {
          if (view.done) res.write('event: done\ndata: {}\n\n');
          res.end();
        }
      },
    }),
  ];
}
