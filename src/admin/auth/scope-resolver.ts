import type { Queryable } from '../../db/database';
import type { OrgStore, OrgUnit, Scope } from '../../db/stores';
import { AppError } from '../../errors';

export function scopeOf(unit: OrgUnit): Scope {
  return { unitId: unit.id, kind: unit.kind, path: unit.path, root: unit.parentId === null };
}

/** Scope units of staff and tokens, by id (stored) or code (typed by people). */
export class ScopeResolver {
  constructor(private readonly org: OrgStore) {}

  async byId(q: Queryable, unitId: string): Promise<{ scope: Scope; code: string }> {
    const unit = await this.org.getById(q, unitId);
    if (!unit) throw new AppError('org_unit_unknown', `scope unit ${unitId} no longer exists`);
    return { scope: scopeOf(unit), code: unit.code };
  }

  /** A unit by code; without one the single root of the tree (the authority). */
  async byCode(q: Queryable, code: string | undefined): Promise<OrgUnit> {
    if (code !== undefined) {
      const unit = await this.org.getByCode(q, code);
      if (!unit) throw new AppError('org_unit_unknown', `no unit with code '${code}'`, { details: { field: 'scope', problem: `no unit with code '${code}'` } });
      return unit;
    }
    const roots = (await this.org.list(q, { kind: 'authority' })).filter((u) => u.parentId === null);
    if (roots.length !== 1) throw new AppError('validation_failed', `scope: name the unit (the tree has ${roots.length} roots)`, { details: { field: 'scope', problem: 'required' } });
    return roots[0]!;
  }
}
