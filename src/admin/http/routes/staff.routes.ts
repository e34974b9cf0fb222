import { z } from 'zod';
import { parseDuration } from '../../../config';
import type { AdminServices } from '../../admin.factory';
import { ROLES } from '../../rbac/roles';
import { route, type RouteDef } from '../route';
import { code, idParams, nullableTimestamp, timestamp } from '../schemas';

const role = z.enum(ROLES);
const staff = z.object({
  id: z.string(), email: z.string(), displayName: z.string(), role: z.string(), scopeUnitId: z.string(),
  createdBy: z.string().nullable(), createdAt: timestamp, disabledAt: nullableTimestamp,
});
const token = z.object({
  id: z.string(), name: z.string(), role: z.string(), scopeUnitId: z.string(), createdBy: z.string().nullable(), createdAt: timestamp,
  expiresAt: timestamp, revokedAt: nullableTimestamp, lastUsedAt: nullableTimestamp,
});
const ttl = z.string().refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 90d').transform((v) => parseDuration(v)!);

export function staffRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'get', path: '/staff', tag: 'Staff', access: 'any', summary: 'Staff scoped inside your scope',
      response: z.object({ items: z.array(staff) }), handle: async ({ principal }) => ({ items: await s.staff.list(principal) }),
    }),
    route({
      method: 'post', path: '/staff/invites', tag: 'Staff', access: 'any', rateLimited: true, status: 201,
      summary: 'Invite a member of staff: a one-time link to register a passkey',
      body: z.strictObject({ email: z.email().max(254), role, scope: code.optional().describe('unit code; default: the root') }),
      response: z.object({ id: z.string(), url: z.string().describe('shown once'), email: z.string(), role, scope: z.string(), expiresAt: timestamp }),
      handle: async ({ principal, body, ip }) => s.staff.invite(principal, body, ip),
    }),
    route({
      method: 'delete', path: '/staff/:id', tag: 'Staff', access: 'any', summary: 'Disable a member of staff (ends their sessions)',
      params: idParams, response: null, handle: async ({ principal, params, ip }) => s.staff.disable(principal, params.id, ip),
    }),
    route({
      method: 'get', path: '/tokens', tag: 'API tokens', access: 'any', summary: 'API tokens scoped inside your scope',
      response: z.object({ items: z.array(token) }), handle: async ({ principal }) => ({ items: await s.tokens.list(principal) }),
    }),
    route({
      method: 'post', path: '/tokens', tag: 'API tokens', access: 'any', rateLimited: true, status: 201,
      summary: 'Create an API token (needs a passkey confirmation); the token is shown once',
      body: z.strictObject({ name: z.string().min(1).max(100), role, scope: code.optional(), ttl: ttl.prefault('90d').describe('such as 90d') }),
      response: z.object({ token: z.string().describe('shown once; send as Authorization: Bearer'), record: token, scope: z.string() }),
      handle: async ({ principal, body, ip }) => {
        const t = await s.tokens.create(principal, { name: body.name, role: body.role, scope: body.scope, ttlMs: body.ttl }, ip);
        return { token: t.token, record: t.record, scope: t.scopeCode };
      },
    }),
    route({
      method: 'delete', path: '/tokens/:id', tag: 'API tokens', access: 'any', summary: 'Revoke an API token',
      params: idParams, response: null, handle: async ({ principal, params, ip }) => s.tokens.revoke(principal, params.id, ip),
    }),
  ];
}

