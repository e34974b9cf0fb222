import { z } from 'zod';
import { AUDIT_OUTCOMES } from '../../../audit/audit-log';
import { AUDIT_CSV_HEADER, auditCsvLine, csvLine } from '../../../audit/audit-csv';
import { parseDuration } from '../../../config';
import type { AdminServices } from '../../admin.factory';
import { route, type RouteDef } from '../route';
import { boolQuery, code, cursorQuery, dateQuery, idParams, limitQuery, nullableTimestamp, page, timestamp } from '../schemas';

const link = z.object({
  id: z.string(), platform: z.string(), schoolId: z.string(), gradeId: z.string(), classId: z.string().nullable(), label: z.string().nullable(),
  expiresAt: timestamp, revokedAt: nullableTimestamp, uses: z.number(), maxUses: z.number().nullable(), lastUsedAt: nullableTimestamp,
  createdBy: z.string().nullable(), createdAt: timestamp,
});
const certificate = z.object({
  serial: z.string(), kind: z.string(), subject: z.string(), fingerprint: z.string(), deviceId: z.string().nullable(),
  notBefore: timestamp, notAfter: timestamp, revokedAt: nullableTimestamp, revokeReason: z.string().nullable(), createdAt: timestamp,
});
const auditEntry = z.object({
  seq: z.number(), at: timestamp, actorType: z.string(), actorId: z.string().nullable(), actorLabel: z.string(), actorRole: z.string().nullable(),
  actorScope: z.string().nullable(), action: z.string(), targetType: z.string().nullable(), targetId: z.string().nullable(),
  outcome: z.enum(AUDIT_OUTCOMES), detail: z.string().nullable().describe('JSON text, as hashed'), ip: z.string().nullable(), hash: z.string(),
});
const auditFilter = {
  from: dateQuery.optional(), to: dateQuery.optional(), action: z.string().max(64).optional(), actorId: z.string().max(64).optional(),
  targetType: z.string().max(32).optional(), targetId: z.string().max(200).optional(), outcome: z.enum(AUDIT_OUTCOMES).optional(),
};
const ttl = z.string().refine((v) => parseDuration(v) !== undefined, 'expected a duration such as 14d').transform((v) => parseDuration(v)!);

/** Enrolment links, certificates and the audit log. */
export function recordRoutes(s: AdminServices): RouteDef[] {
  return [
    route({
      method: 'get', path: '/enrollment-links', tag: 'Enrolment links', access: 'any', summary: 'Enrolment links in your scope (their URLs are not stored)',
      query: z.strictObject({ includeInactive: boolQuery.optional() }), response: z.object({ items: z.array(link) }),
      handle: async ({ principal, query }) => ({ items: await s.enrollment.list(principal, query.includeInactive ?? false) }),
    }),
    route({
      method: 'post', path: '/enrollment-links', tag: 'Enrolment links', access: 'any', status: 201,
      summary: 'Create an enrolment link for a school and grade (optionally class): URL and QR code, shown once',
      body: z.strictObject({
        school: code, grade: z.number().int().min(1).max(13), class: z.string().regex(/^[a-z0-9]{1,8}$/).optional().describe('such as 3a'),
        ttl: ttl.optional(), maxUses: z.number().int().min(0).max(100_000).optional(), label: z.string().max(200).optional(),
      }),
      response: z.object({ link, url: z.string(), qrPng: z.string().describe('PNG, base64') }),
      handle: async ({ principal, body, ip }) => {
        const r = await s.enrollment.create(principal, { ...body, ttlMs: body.ttl }, ip);
        return { link: r.record, url: r.url, qrPng: r.qrPng };
      },
    }),
    route({
      method: 'delete', path: '/enrollment-links/:id', tag: 'Enrolment links', access: 'any', summary: 'Revoke an enrolment link',
      params: idParams, response: null, handle: async ({ principal, params, ip }) => s.enrollment.revoke(principal, params.id, ip),
    }),
    route({
      method: 'get', path: '/certificates', tag: 'Certificates', access: 'any', summary: 'Certificates issued by Slate\'s CA in your scope',
      query: z.strictObject({ device: z.string().max(200).optional(), includeRevoked: boolQuery.optional(), limit: limitQuery(1000, 100) }),
      response: z.object({ items: z.array(certificate) }),
      handle: async ({ principal, query }) => ({ items: await s.certificates.list(principal, query) }),
    }),
    route({
      method: 'post', path: '/certificates/:id/revoke', tag: 'Certificates', access: 'any', summary: 'Revoke a certificate by serial (hex)',
      params: idParams, body: z.strictObject({ reason: z.string().min(1).max(200) }), response: certificate,
      handle: async ({ principal, params, body, ip }) => s.certificates.revoke(principal, params.id, body.reason, ip),
    }),
    route({
      method: 'get', path: '/audit', tag: 'Audit log', access: 'any', summary: 'Audit log entries filed under your scope, newest first',
      query: z.strictObject({ ...auditFilter, cursor: cursorQuery, limit: limitQuery(500, 100) }), response: page(auditEntry),
      handle: async ({ principal, query }) => s.audit.query(principal, query),
    }),
    route({
      method: 'get', path: '/audit/export.csv', tag: 'Audit log', access: 'any', summary: 'The same entries as CSV',
      query: z.strictObject(auditFilter), response: { contentType: 'text/csv', description: 'RFC 4180, one entry per line, newest first' },
      handle: async ({ principal, query, res }) => {
        const rows = s.audit.all(principal, query);
        const first = await rows.next(); // permission errors before the headers go out
        res.status(200).set({ 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="slate-audit.csv"' });
        res.write(csvLine(AUDIT_CSV_HEADER));
        if (!first.done) res.write(auditCsvLine(first.value));
        for await (const r of rows) res.write(auditCsvLine(r));
        res.end();
      },
    }),
    route({
      method: 'get', path: '/audit/verify', tag: 'Audit log', access: 'any', summary: 'Check the hash chain; reports the first broken link',
      response: z.object({
        ok: z.boolean(), checked: z.number(),
        firstBroken: z.object({ seq: z.number(), reason: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'sequence_gap', 'head_mismatch']) }).nullable(),
      }),
      handle: async ({ principal }) => s.audit.verify(principal),
    }),
  ];
}
