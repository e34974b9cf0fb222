import { z } from 'zod';
import { isRaw, type RouteDef } from './route';
import { errorBody } from './schemas';

type Json = Record<string, unknown>;

const schemaOf = (s: z.ZodType, io: 'input' | 'output'): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Json;
  return rest;
};

/** Express `/devices/:id/wipe` → OpenAPI `/devices/{id}/wipe`. */
export const openApiPath = (path: string) => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

const ERROR_STATUSES: Record<string, string> = {
  400: 'invalid input (validation_failed, json_invalid, cursor_invalid, confirmation_mismatch, ...)',
  401: 'no valid session or token (unauthenticated), or a passkey not accepted (webauthn_failed)',
  403: 'not allowed (forbidden, csrf_failed, step_up_required)',
  404: 'no such object in your scope (not_found, device_unknown, org_unit_unknown)',
  409: 'conflict with the current state',
  413: 'request body too large',
  429: 'too many requests (rate_limited)',
};

/**
 * The OpenAPI 3.1 document of the admin API, built from the same route declarations and zod
 * schemas the router validates with (JSON Schema 2020-12 is OpenAPI 3.1's schema dialect).
 */
export function openApiDocument(routes: readonly RouteDef[], version: string): Json {
  const paths: Record<string, Record<string, Json>> = {};
  for (const r of routes) {
    const parameters: Json[] = [];
    for (const [where, obj] of [['path', r.params], ['query', r.query]] as const) {
      if (!obj) continue;
      for (const [name, field] of Object.entries(obj.shape)) {
        const schema = schemaOf(field as z.ZodType, 'input');
        const optional = (field as z.ZodType).safeParse(undefined).success;
        parameters.push({ name, in: where, required: where === 'path' || !optional, schema, ...(schema.description ? { description: schema.description } : {}) });
      }
    }
    const status = String(r.status ?? (r.response === null ? 204 : 200));
    const responses: Json = {};
    if (r.response === null) responses[status] = { description: 'done' };
    else if (isRaw(r.response)) responses[status] = { description: r.response.description, content: { [r.response.contentType]: { schema: { type: 'string' } } } };
    else responses[status] = { description: 'success', content: { 'application/json': { schema: schemaOf(r.response, 'output') } } };
    for (const [code, description] of Object.entries(ERROR_STATUSES)) {
      responses[code] = { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
    }
    const op: Json = {
      operationId: `${r.method}${openApiPath(r.path).replace(/[{}]/g, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
      tags: [r.tag], summary: r.summary, parameters, responses,
      security: r.access === 'public' ? [] : r.access === 'session' ? [{ session: [] }] : [{ session: [] }, { token: [] }],
    };
    if (r.body) {
      const optional = r.body.safeParse(undefined).success;
      op.requestBody = { required: !optional, content: { 'application/json': { schema: schemaOf(r.body, 'input') } } };
    }
    (paths[openApiPath(r.path)] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Slate admin API', version,
      description: 'Staff sign in with passkeys (cookie session; send X-CSRF-Token with changes) or use a scoped API token (Authorization: Bearer). '
        + 'Everything is filtered by the caller\'s scope: objects outside it answer 404. Errors: {error, message, fields?}.',
    },
    servers: [{ url: '/api/v1' }],
    paths,
    components: {
      schemas: { Error: schemaOf(errorBody, 'output') },
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: '__Host-slate_session', description: 'set by /auth/sign-in/verify (slate_session over plain HTTP)' },
        token: { type: 'http', scheme: 'bearer', description: 'an API token from `slate token create` or POST /tokens' },
      },
    },
  };
}
