import type { AuditLog } from '../../audit/audit-log';
import type { Db, Tx } from '../../db/database';
import type { OrgKind } from '../../db/entities';
import type { OrgStore, OrgTreeStore, OrgUnit, ScopedFleetStore } from '../../db/stores';
import { AppError } from '../../errors';
import { checkHierarchy } from '../../fleet/org-file';
import { actorOf, requirePermission, type Principal } from '../auth/principal';

export type { OrgUnit } from '../../db/stores';

export interface NewUnit {
  code: string;
  kind: OrgKind;
  name: string;
  parent: string;
  gradeLevel?: number;
}

/** Only these move: a school to another municipality, a municipality to another authority. Devices reference their school, grade and class, so moving a grade or class would split a device's placement. */
const MOVABLE: readonly OrgKind[] = ['municipality', 'school'];

/** The organisation tree through the caller's scope: read, create, rename, move. */
export class AdminOrg {
  constructor(private readonly deps: { db: Db; org: OrgStore; tree: OrgTreeStore; fleet: ScopedFleetStore; audit: AuditLog; now?: () => Date }) {}

  tree(p: Principal): Promise<OrgUnit[]> {
    requirePermission(p, 'org.read');
    return this.deps.fleet.units(this.deps.db, p.scope);
  }

  async unit(p: Principal, ref: string): Promise<OrgUnit> {
    requirePermission(p, 'org.read');
    return this.require(this.deps.db, p, ref);
  }

  async create(p: Principal, u: NewUnit, ip: string | null): Promise<OrgUnit> {
    requirePermission(p, 'org.write');
    const { db, org, audit } = this.deps;
    return db.transaction(async (tx) => {
      const parent = await this.require(tx, p, u.parent);
      if (await org.getByCode(tx, u.code)) throw new AppError('conflict', `a unit with code '${u.code}' exists`);
      const upsert = { code: u.code, kind: u.kind, name: u.name, parentCode: parent.code, gradeLevel: u.kind === 'grade' ? u.gradeLevel ?? null : null };
      checkHierarchy([upsert], (code) => (code === parent.code ? parent.kind : undefined));
      await org.applyUpserts(tx, [upsert]);
      const created = (await org.getByCode(tx, u.code))!;
      await audit.append(tx, { actor: actorOf(p), action: 'org.create', target: { type: 'org_unit', id: created.id, path: created.path }, detail: { code: u.code, kind: u.kind, parent: parent.code }, ip });
      return created;
    });
  }

  async rename(p: Principal, ref: string, name: string, ip: string | null): Promise<OrgUnit> {
    requirePermission(p, 'org.write');
    return this.deps.db.transaction(async (tx) => {
      const unit = await this.require(tx, p, ref);
      await this.deps.tree.rename(tx, unit.id, name, this.now());
      await this.deps.audit.append(tx, { actor: actorOf(p), action: 'org.rename', target: { type: 'org_unit', id: unit.id, path: unit.path }, detail: { from: unit.name, to: name }, ip });
      return { ...unit, name };
    });
  }

  /** Hangs a unit under another parent; both must lie inside the caller's scope, and the unit may not be the scope itself. */
  async move(p: Principal, ref: string, parentRef: string, ip: string | null): Promise<OrgUnit> {
    requirePermission(p, 'org.write');
    return this.deps.db.transaction(async (tx) => {
      const unit = await this.require(tx, p, ref);
      const parent = await this.require(tx, p, parentRef);
      if (unit.id === p.scope.unitId) throw new AppError('forbidden', 'you cannot move the unit your own scope starts at');
      if (!MOVABLE.includes(unit.kind)) throw new AppError('conflict', `a ${unit.kind} cannot move (devices are placed by school, grade and class)`);
      if (parent.path.startsWith(unit.path)) throw new AppError('conflict', 'a unit cannot move under itself');
      checkHierarchy([{ code: unit.code, kind: unit.kind, name: unit.name, parentCode: parent.code, gradeLevel: unit.gradeLevel }], (c) => (c === parent.code ? parent.kind : undefined));
      const moved = await this.deps.tree.move(tx, unit, parent, this.now());
      await this.deps.audit.append(tx, {
        actor: actorOf(p), action: 'org.move', target: { type: 'org_unit', id: unit.id, path: parent.path },
        detail: { code: unit.code, from: unit.parentId, to: parent.code, units: moved }, ip,
      });
      return (await this.deps.org.getById(tx, unit.id))!;
    });
  }

  private async require(q: Db | Tx, p: Principal, ref: string): Promise<OrgUnit> {
    const u = await this.deps.fleet.unit(q, p.scope, ref);
    if (!u) throw new AppError('org_unit_unknown', `no unit '${ref}'`);
    return u;
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
