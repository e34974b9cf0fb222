import type { AuditLog } from '../../audit/audit-log';
import type { Db } from '../../db/database';
import type { ScopedFleetStore } from '../../db/stores';
import { AppError, isAppError, toAppError } from '../../errors';
import type { CatalogReport, CompiledEntry } from '../../policy';
import type { ApplyResult, PlanResult, PolicyService, StatusResult } from '../../reconciler/policy.service';
import { actorOf, requirePermission, type Principal, type Scope } from '../auth/principal';
import { scopeOf } from '../auth/scope-resolver';
import type { AdminDevices } from './admin-devices.service';

/**
 * Where a plan or apply takes its catalog from. `files`: the server's catalog directory
 * (POLICY_CATALOG_DIR, the git checkout `slate profiles apply` reads); applying it stores a new
 * version, which is policy for every school, so only a caller whose scope is the whole tree does
 * so, and only for the whole tree. `applied`: the version in force; staff of a municipality or
 * school (or anyone naming a unit) converge their part of the fleet with it.
 */
export type CatalogSourceKind = 'files' | 'applied';

export interface ProfilesTarget {
  source: CatalogSourceKind;
  scope: Scope;
  unitCode: string;
}

export type ProfilesPlan = PlanResult & { source: CatalogSourceKind; unit: string };
export type ProfilesApply = ApplyResult & { source: CatalogSourceKind; unit: string };

export interface CatalogView {
  version: { id: number; hash: string; appliedAt: Date; appliedBy: string };
  entries: CompiledEntry[];
}

/** The policy catalog through the admin API: plan, apply and status, each inside the caller's scope. */
export class AdminProfiles {
  constructor(
    private readonly deps: {
      db: Db; fleet: ScopedFleetStore; devices: AdminDevices; audit: AuditLog;
      policy: Pick<PolicyService, 'plan' | 'planApplied' | 'apply' | 'converge' | 'status' | 'entries'>;
    },
  ) {}

  /** The applied catalog's entries in force somewhere in the caller's scope. */
  async catalog(p: Principal): Promise<CatalogView> {
    requirePermission(p, 'profiles.read');
    const unitIds = p.scope.root ? undefined : (await this.deps.fleet.units(this.deps.db, p.scope)).map((u) => u.id);
    const { version, entries } = await this.deps.policy.entries(unitIds);
    return { version, entries };
  }

  /** What apply would enqueue, per device and school; changes nothing. */
  async plan(p: Principal, f: { unit?: string }): Promise<ProfilesPlan> {
    requirePermission(p, 'profiles.read');
    const t = await this.target(p, f.unit);
    const plan = t.source === 'files' ? await this.deps.policy.plan({}) : await this.deps.policy.planApplied({ scope: t.scope });
    return { ...plan, source: t.source, unit: t.unitCode };
  }

  /** Enqueues what plan showed; refusals are audited like every refused staff action. */
  async apply(p: Principal, f: { unit?: string }, ip: string | null): Promise<ProfilesApply> {
    let unitCode = f.unit ?? p.scopeCode;
    try {
      requirePermission(p, 'profiles.apply');
      const t = await this.target(p, f.unit);
      unitCode = t.unitCode;
      const by = actorOf(p);
      const r = t.source === 'files'
        ? await this.deps.policy.apply({ by, ip }).catch((err: unknown) => { throw withReportFields(err); })
        : await this.deps.policy.converge({ scope: t.scope, scopeCode: t.unitCode, by, ip });
      return { ...r, source: t.source, unit: t.unitCode };
    } catch (err) {
      const e = toAppError(err);
      await this.deps.audit.record({
        actor: actorOf(p), action: 'policy.apply', target: { type: 'org_unit', id: unitCode, path: p.scope.path },
        outcome: e.status < 500 ? 'refused' : 'failed', detail: { error: e.code }, ip,
      });
      throw err;
    }
  }

  /** Convergence of the devices in scope (or of one device, or one entry). */
  async status(p: Principal, f: { unit?: string; device?: string; entry?: string }): Promise<StatusResult & { unit: string }> {
    requirePermission(p, 'profiles.read');
    const t = await this.target(p, f.unit);
    const device = f.device === undefined ? undefined : (await this.deps.devices.require(this.deps.db, t.scope, f.device)).id;
    return { ...(await this.deps.policy.status({ scope: t.scope, device, entry: f.entry })), unit: t.unitCode };
  }

  /** The caller's scope, narrowed to a unit inside it; out of scope is "no such unit". */
  private async target(p: Principal, unit: string | undefined): Promise<ProfilesTarget> {
    if (unit === undefined) return { source: p.scope.root ? 'files' : 'applied', scope: p.scope, unitCode: p.scopeCode };
    const u = await this.deps.fleet.unit(this.deps.db, p.scope, unit);
    if (!u) throw new AppError('org_unit_unknown', `no unit '${unit}'`, { details: { field: 'unit', problem: `no unit '${unit}'` } });
    return { source: 'applied', scope: scopeOf(u), unitCode: u.code };
  }
}

/** An invalid catalog names every problem as `file:line key` → message (the API's `fields`). */
function withReportFields(err: unknown): unknown {
  if (!isAppError(err) || err.code !== 'catalog_invalid' || !err.details) return err;
  const report = err.details as CatalogReport;
  const fields = Object.fromEntries(report.errors.map((e) => [`${e.file}:${e.line} ${e.key}`, e.message]));
  return new AppError('catalog_invalid', err.message, { details: { fields } });
}
