import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors';
import { readDate } from '../columns';
import { placeholders, type Queryable, type Tx } from '../database';
import type { OrgKind } from '../entities';
import type { OrgImportResult, OrgStore, OrgUnit, OrgUnitUpsert } from './org.store';

const COLS = 'id, code, kind, name, parent_id, path, grade_level, created_at, updated_at';
/** IN lists stay well below every driver's parameter limit. */
const CHUNK = 500;

export class SqlOrgStore implements OrgStore {
  async count(q: Queryable): Promise<number> {
    const r = await q.one<{ n: number | string }>('SELECT COUNT(*) AS n FROM org_units');
    return Number(r?.n ?? 0);
  }

  async getById(q: Queryable, id: string): Promise<OrgUnit | null> {
    const r = await q.one(`SELECT ${COLS} FROM org_units WHERE id = ?`, [id]);
    return r ? toUnit(r) : null;
  }

  async getByCode(q: Queryable, code: string): Promise<OrgUnit | null> {
    const r = await q.one(`SELECT ${COLS} FROM org_units WHERE code = ?`, [code]);
    return r ? toUnit(r) : null;
  }

  async getByCodes(q: Queryable, codes: readonly string[]): Promise<OrgUnit[]> {
    const out: OrgUnit[] = [];
    for (let i = 0; i < codes.length; i += CHUNK) {
      const part = codes.slice(i, i + CHUNK);
      out.push(...(await q.rows(`SELECT ${COLS} FROM org_units WHERE code IN (${placeholders(part.length)})`, part)).map(toUnit));
    }
    return out;
  }

  async list(q: Queryable, filter: { kind?: OrgKind; underId?: string } = {}): Promise<OrgUnit[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.kind) {
      where.push('kind = ?');
      params.push(filter.kind);
    }
    if (filter.underId) {
      const root = await this.getById(q, filter.underId);
      if (!root) return [];
      // Paths are ids and slashes only, so a prefix match needs no LIKE escaping.
      where.push('path LIKE ?');
      params.push(`${root.path}%`);
    }
    const rows = (await q.rows(`SELECT ${COLS} FROM org_units${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY code`, params)).map(toUnit);
    return rows.sort((a, b) => depth(a) - depth(b) || a.code.localeCompare(b.code));
  }

  async applyUpserts(tx: Tx, units: readonly OrgUnitUpsert[]): Promise<OrgImportResult> {
    const result: OrgImportResult = { created: 0, updated: 0, unchanged: 0 };
    const byCode = new Map<string, OrgUnit>();
    for (const e of await this.getByCodes(tx, units.map((u) => u.code))) byCode.set(e.code, e);
    const now = new Date();
    for (const u of units) {
      const parent = u.parentCode === null ? null : byCode.get(u.parentCode) ?? (await this.getByCode(tx, u.parentCode));
      if (u.parentCode !== null && !parent) throw new AppError('org_unit_unknown', `unknown parent '${u.parentCode}' of '${u.code}'`);
      if (parent) byCode.set(parent.code, parent);
      const current = byCode.get(u.code);
      if (!current) {
        const id = randomUUID();
        const row: OrgUnit = {
          id, code: u.code, kind: u.kind, name: u.name, parentId: parent?.id ?? null,
          path: `${parent?.path ?? '/'}${id}/`, gradeLevel: u.gradeLevel, createdAt: now, updatedAt: now,
        };
        await tx.run(`INSERT INTO org_units (${COLS}) VALUES (${placeholders(9)})`,
          [row.id, row.code, row.kind, row.name, row.parentId, row.path, row.gradeLevel, row.createdAt, row.updatedAt]);
        byCode.set(u.code, row);
        result.created++;
        continue;
      }
      if (current.kind !== u.kind) throw new AppError('org_import_invalid', `'${u.code}' exists as ${current.kind}, cannot become ${u.kind}`);
      if ((current.parentId ?? null) !== (parent?.id ?? null)) {
        // Moving a subtree would silently re-scope every device and policy beneath it.
        throw new AppError('org_import_invalid', `'${u.code}' already sits under another parent; moving units is not an import`);
      }
      if (current.name === u.name && current.gradeLevel === u.gradeLevel) {
        result.unchanged++;
        continue;
      }
      await tx.run('UPDATE org_units SET name = ?, grade_level = ?, updated_at = ? WHERE id = ?', [u.name, u.gradeLevel, now, current.id]);
      byCode.set(u.code, { ...current, name: u.name, gradeLevel: u.gradeLevel, updatedAt: now });
      result.updated++;
    }
    return result;
  }
}

function depth(u: OrgUnit): number {
  return u.path.split('/').length;
}

function toUnit(r: Record<string, unknown>): OrgUnit {
  return {
    id: String(r.id), code: String(r.code), kind: r.kind as OrgKind, name: String(r.name),
    parentId: (r.parent_id as string | null) ?? null, path: String(r.path),
    gradeLevel: r.grade_level === null || r.grade_level === undefined ? null : Number(r.grade_level),
    createdAt: readDate(r.created_at)!, updatedAt: readDate(r.updated_at)!,
  };
}
