import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager, In, Like } from 'typeorm';
import { AppError } from '../../errors';
import type { OrgUnitRow } from '../entities';
import type { OrgImportResult, OrgStore, OrgUnit, OrgUnitUpsert } from './org.store';

export class TypeOrmOrgStore implements OrgStore {
  constructor(private readonly ds: DataSource) {}

  private repo(m: EntityManager = this.ds.manager) {
    return m.getRepository<OrgUnitRow>('OrgUnit');
  }

  count(): Promise<number> {
    return this.repo().count();
  }

  getById(id: string): Promise<OrgUnit | null> {
    return this.repo().findOneBy({ id });
  }

  getByCode(code: string): Promise<OrgUnit | null> {
    return this.repo().findOneBy({ code });
  }

  getByCodes(codes: readonly string[]): Promise<OrgUnit[]> {
    if (codes.length === 0) return Promise.resolve([]);
    return this.repo().findBy({ code: In([...codes]) });
  }

  async list(filter: { kind?: OrgUnit['kind']; underId?: string } = {}): Promise<OrgUnit[]> {
    const where: Record<string, unknown> = {};
    if (filter.kind) where.kind = filter.kind;
    if (filter.underId) {
      const root = await this.getById(filter.underId);
      if (!root) return [];
      where.path = Like(`${root.path}%`);
    }
    const rows = await this.repo().find({ where, order: { code: 'ASC' } });
    return rows.sort((a, b) => depth(a) - depth(b) || a.code.localeCompare(b.code));
  }

  async applyUpserts(units: readonly OrgUnitUpsert[]): Promise<OrgImportResult> {
    return this.ds.transaction(async (m) => {
      const repo = this.repo(m);
      const result: OrgImportResult = { created: 0, updated: 0, unchanged: 0 };
      const byCode = new Map<string, OrgUnit>();
      const existing = await repo.findBy({ code: In(units.map((u) => u.code)) });
      for (const e of existing) byCode.set(e.code, e);
      const now = new Date();
      for (const u of units) {
        const parent = u.parentCode === null ? null : byCode.get(u.parentCode) ?? (await repo.findOneBy({ code: u.parentCode }));
        if (u.parentCode !== null && !parent) {
          throw new AppError('org_unit_unknown', `unknown parent '${u.parentCode}' of '${u.code}'`);
        }
        if (parent) byCode.set(parent.code, parent);
        const current = byCode.get(u.code);
        if (!current) {
          const id = randomUUID();
          const row: OrgUnitRow = {
            id, code: u.code, kind: u.kind, name: u.name, parentId: parent?.id ?? null,
            path: `${parent?.path ?? '/'}${id}/`, gradeLevel: u.gradeLevel, createdAt: now, updatedAt: now,
          };
          await repo.insert(row);
          byCode.set(u.code, row);
          result.created++;
          continue;
        }
        if (current.kind !== u.kind) {
          throw new AppError('org_import_invalid', `'${u.code}' exists as ${current.kind}, cannot become ${u.kind}`);
        }
        if ((current.parentId ?? null) !== (parent?.id ?? null)) {
          // Moving a subtree would silently re-scope every device and policy beneath it.
          throw new AppError('org_import_invalid', `'${u.code}' already sits under another parent; moving units is not an import`);
        }
        if (current.name === u.name && current.gradeLevel === u.gradeLevel) {
          result.unchanged++;
          continue;
        }
        await repo.update({ id: current.id }, { name: u.name, gradeLevel: u.gradeLevel, updatedAt: now });
        byCode.set(u.code, { ...current, name: u.name, gradeLevel: u.gradeLevel, updatedAt: now });
        result.updated++;
      }
      return result;
    });
  }
}

function depth(u: OrgUnit): number {
  return u.path.split('/').length;
}
