import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Principal } from '../auth/principal';

/**
 * One admin API route, declared once: its schemas validate the request, shape the response and
 * are the OpenAPI description (openapi.ts), so the document cannot drift from what is served.
 */
export type Access = 'public' | 'session' | 'any';

export type Raw = { contentType: 'text/csv' | 'text/event-stream'; description: string };

export interface RouteDef {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** Express path under /api/v1 (`/devices/:id`). */
  path: string;
  tag: string;
  summary: string;
  /** public: no credentials; session: a staff session (cookie); any: a session or an API token. */
  access: Access;
  /** Counted against AUTH_RATE_LIMIT per client address (sign-in, invites, tokens). */
  rateLimited?: boolean;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** 200 unless said; 204 has no response schema. */
  status?: number;
  /** JSON response schema (parsed on the way out: unknown fields dropped, Dates as ISO strings); Raw: the handler writes. */
  response: z.ZodType | Raw | null;
  handle(ctx: Ctx<never, never, never>): Promise<unknown>;
}

export interface Ctx<P, Q, B> {
  principal: Principal;
  params: P;
  query: Q;
  body: B;
  ip: string | null;
  req: Request;
  res: Response;
}

type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** Declares a route with its handler typed from its schemas. */
export function route<
  P extends z.ZodObject | undefined = undefined,
  Q extends z.ZodObject | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | Raw | null = null,
>(def: Omit<RouteDef, 'handle' | 'params' | 'query' | 'body' | 'response'> & {
  params?: P; query?: Q; body?: B; response: R;
  handle(ctx: Ctx<Out<P>, Out<Q>, Out<B>>): Promise<R extends z.ZodType ? z.input<R> : void>;
}): RouteDef {
  return def as unknown as RouteDef;
}

export const isRaw = (r: RouteDef['response']): r is Raw => r !== null && 'contentType' in r;
