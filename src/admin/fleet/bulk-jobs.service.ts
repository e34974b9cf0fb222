import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/audit-log';
import type { CommandService } from '../../apple/command.service';
import type { StaffCommands } from '../../apple/staff-commands';
import type { Db } from '../../db/database';
import type { DeviceState, Platform } from '../../db/entities';
import type { AdminBulkJob, CommandQueueStore, PlacedDevice, ScopedDeviceStore, ScopedFleetStore } from '../../db/stores';
import { AppError, toAppError } from '../../errors';
import { actorOf, requireFreshStepUp, requirePermission, type Principal } from '../auth/principal';
import { scopeOf } from '../auth/scope-resolver';
import { ACTION_RULES } from './device-actions.service';

export const BULK_ACTIONS = ['lock', 'lost-mode', 'lost-mode-off', 'restart', 'wipe'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface BulkRequest {
  action: BulkAction;
  /** Code of the unit the job covers; default: the caller's scope. */
  unit?: string;
  platform?: Platform;
  state?: DeviceState;
  lastSeenBefore?: Date;
  params?: Record<string, unknown>;
  /** A bulk wipe names its unit twice: `confirm` is the unit's code typed back. */
  confirm?: string;
}

export interface BulkProgressView {
  id: string;
  action: string;
  requestType: string;
  unit: string;
  total: number;
  counts: { queued: number; sent: number; acknowledged: number; error: number; notNow: number; cancelled: number; expired: number };
  /** Every command has a final answer (acknowledged, error, cancelled or expired). */
  done: boolean;
  createdBy: string | null;
  createdAt: Date;
}

const PAGE = 5000;
/**
 * Progress is at most this old: every console watching a job and every event stream share one
 * count per job and second. Counting 10,000 freshly queued commands costs Postgres a visit to each
 * row (their visibility is not yet in the map), 5 to 15 ms; a second of delay costs nobody anything.
 */
const PROGRESS_TTL_MS = 1000;
const PROGRESS_CACHE_MAX = 1000;

/** Actions on every device a filter selects, as one bulk job with live progress. */
export class BulkJobs {
  private readonly recent = new Map<string, { at: number; view: BulkProgressView }>();

  constructor(
    private readonly deps: {
      db: Db; scoped: ScopedDeviceStore; fleet: ScopedFleetStore; staff: StaffCommands; commands: CommandService;
      queue: CommandQueueStore; audit: AuditLog; stepUpMaxAgeMs: number;
    },
  ) {}

  async start(p: Principal, req: BulkRequest, ip: string | null): Promise<{ id: string; total: number; skipped: number }> {
    const rule = ACTION_RULES[req.action];
    const { db, scoped, fleet, staff, audit } = this.deps;
    try {
      requirePermission(p, rule.permission);
      const unit = req.unit === undefined ? null : await fleet.unit(db, p.scope, req.unit);
      if (req.unit !== undefined && !unit) throw new AppError('org_unit_unknown', `no unit '${req.unit}'`);
      const within = unit ? scopeOf(unit) : p.scope;
      const code = unit?.code ?? p.scopeCode;
      if (rule.stepUp) requireFreshStepUp(p, this.deps.stepUpMaxAgeMs);
      if (req.action === 'wipe' && req.confirm !== code) {
        throw new AppError('confirmation_mismatch', `type the unit's code (${code}) to confirm a bulk wipe`, { details: { field: 'confirm', problem: 'does not match the unit' } });
      }
      return await db.transaction(async (tx) => {
        const devices: PlacedDevice[] = [];
        for (let afterId: string | undefined; ;) {
          const page = await scoped.list(tx, p.scope, { within, platform: req.platform, state: req.state, lastSeenBefore: req.lastSeenBefore, afterId, limit: PAGE });
          devices.push(...page);
          if (page.length < PAGE) break;
          afterId = page[page.length - 1]!.id;
        }
        if (devices.length === 0) throw new AppError('validation_failed', 'the filter selects no device');
        const r = await staff.sendIn(tx, { devices, requestType: rule.requestType, params: rule.params?.(req.params ?? {}) ?? {}, by: p.label, bulkTarget: `unit:${code}` });
        const id = r.bulkJobId ?? randomUUID();
        const filter = { unit: code, platform: req.platform, state: req.state, lastSeenBefore: req.lastSeenBefore?.toISOString() };
        await fleet.createBulkJob(tx, { jobId: id, action: req.action, unitId: unit?.id ?? p.scope.unitId, unitPath: within.path, filter, createdBy: p.label, createdAt: new Date() });
        await audit.append(tx, {
          actor: actorOf(p), action: `bulk.${req.action}`, target: { type: 'bulk_job', id, path: within.path },
          detail: { filter, total: r.commands.length, skipped: r.skipped.length }, ip,
        });
        return { id, total: r.commands.length, skipped: r.skipped.length };
      });
    } catch (err) {
      const e = toAppError(err);
      await audit.record({ actor: actorOf(p), action: `bulk.${req.action}`, outcome: e.status < 500 ? 'refused' : 'failed', detail: { error: e.code, unit: req.unit ?? null }, ip });
      throw err;
    }
  }

  async progress(p: Principal, id: string): Promise<BulkProgressView> {
    requirePermission(p, 'bulk.read');
    const job = await this.deps.fleet.bulkJob(this.deps.db, p.scope, id);
    if (!job) throw new AppError('not_found', `no bulk job ${id}`);
    return this.view(job);
  }

  async list(p: Principal, limit: number): Promise<BulkProgressView[]> {
    requirePermission(p, 'bulk.read');
    const jobs = await this.deps.fleet.bulkJobs(this.deps.db, p.scope, limit);
    return Promise.all(jobs.map((j) => this.view(j)));
  }

  private async view(job: AdminBulkJob): Promise<BulkProgressView> {
    const now = Date.now();
    const hit = this.recent.get(job.jobId);
    if (hit && now - hit.at < PROGRESS_TTL_MS) return hit.view;
    const view = await this.count(job);
    if (this.recent.size >= PROGRESS_CACHE_MAX) this.recent.clear();
    this.recent.set(job.jobId, { at: now, view });
    return view;
  }

  private async count(job: AdminBulkJob): Promise<BulkProgressView> {
    const pr = await this.deps.queue.bulkProgress(this.deps.db, job.jobId);
    const b = pr?.byStatus ?? {};
    const counts = {
      queued: b.queued ?? 0, sent: b.sent ?? 0, acknowledged: b.acknowledged ?? 0, error: (b.error ?? 0) + (b.command_format_error ?? 0),
      notNow: b.not_now ?? 0, cancelled: b.cancelled ?? 0, expired: b.expired ?? 0,
    };
    const total = pr?.total ?? 0;
    return {
      id: job.jobId, action: job.action, requestType: pr?.requestType ?? '', unit: String(job.filter?.unit ?? ''), total, counts,
      done: counts.queued + counts.sent + counts.notNow === 0, createdBy: job.createdBy, createdAt: job.createdAt,
    };
  }
}
