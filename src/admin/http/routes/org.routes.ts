import { z } from 'zod';
import type { AdminServices } from '../../admin.factory';
import { route, type RouteDef } from '../route';
import { code, idParams, orgKind, orgUnit } from '../schemas';

const TAG = 'Organisation';

export function orgRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'get', path: '/org/units', tag: TAG, access: 'any', summary: 'Your part of the organisation tree, parents first',
      response: z.object({ items: z.array(orgUnit) }), handle: async ({ principal }) => ({ items: await s.org.tree(principal) }),
    }),
    route({
      method: 'get', path: '/org/units/:id', tag: TAG, access: 'any', summary: 'One unit by id or code',
      params: idParams, response: orgUnit, handle: async ({ principal, params }) => s.org.unit(principal, params.id),
    }),
    route({
      method: 'post', path: '/org/units', tag: TAG, access: 'any', status: 201, summary: 'Create a unit under a parent in your scope',
      body: z.strictObject({
        code, kind: orgKind, name: z.string().min(1).max(200), parent: z.string().min(1).max(64).describe('id or code'),
        gradeLevel: z.number().int().min(1).max(13).optional().describe('grades only'),
      }),
      response: orgUnit, handle: async ({ principal, body, ip }) => s.org.create(principal, body, ip),
    }),
    route({
      method: 'patch', path: '/org/units/:id', tag: TAG, access: 'any', summary: 'Rename a unit',
      params: idParams, body: z.strictObject({ name: z.string().min(1).max(200) }), response: orgUnit,
      handle: async ({ principal, params, body, ip }) => s.org.rename(principal, params.id, body.name, ip),
    }),
    route({
      method: 'post', path: '/org/units/:id/move', tag: TAG, access: 'any', summary: 'Move a school or municipality under another parent',
      params: idParams, body: z.strictObject({ parent: z.string().min(1).max(64).describe('id or code') }), response: orgUnit,
      handle: async ({ principal, params, body, ip }) => s.org.move(principal, params.id, body.parent, ip),
    }),
  ];
}
