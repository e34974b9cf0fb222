import { readFile } from 'node:fs/promises';
import { AppError } from '../errors';
import type { Db } from '../db/database';
import type { OrgImportResult, OrgStore, OrgUnit } from '../db/stores';
import type { OrgKind } from '../db/entities';
import { checkHierarchy, gradeCodeOf, parseOrgFile } from './org-file';

export class OrgService {
  constructor(private readonly db: Db, private readonly store: OrgStore) {}

  /**
   * Validates the whole file first, then applies it in one transaction: all or nothing.
   * `onStep` hears what is being done (the CLI shows it on a terminal).
   */
  async importText(text: string, onStep?: (step: string) => void): Promise<OrgImportResult> {
    onStep?.('validating');
    const units = parseOrgFile(text);
    return this.db.transaction(async (tx) => {
      const existing = await this.store.getByCodes(tx, units.map((u) => u.parentCode).filter((c): c is string => c !== null));
      const kinds = new Map(existing.map((u) => [u.code, u.kind]));
      checkHierarchy(units, (code) => kinds.get(code));
      onStep?.(`applying ${units.length} units`);
      return this.store.applyUpserts(tx, units);
    });
  }

  async importFile(path: string, onStep?: (step: string) => void): Promise<OrgImportResult> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new AppError('org_import_invalid', `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    return this.importText(text, onStep);
  }

  isEmpty(): Promise<boolean> {
    return this.store.count(this.db).then((n) => n === 0);
  }

  list(filter: { kind?: OrgKind; underCode?: string } = {}): Promise<OrgUnit[]> {
    return this.resolveUnder(filter.underCode).then((underId) => this.store.list(this.db, { kind: filter.kind, underId }));
  }

  byId(id: string): Promise<OrgUnit | null> {
    return this.store.getById(this.db, id);
  }

  async requireByCode(code: string, kind?: OrgKind): Promise<OrgUnit> {
    const unit = await this.store.getByCode(this.db, code);
    if (!unit || (kind && unit.kind !== kind)) throw new AppError('org_unit_unknown', `no ${kind ?? 'unit'} with code '${code}'`);
    return unit;
  }

  /** The grade unit of a school by its level (enrolment links name school + grade). */
  async requireGrade(schoolCode: string, level: number): Promise<{ school: OrgUnit; grade: OrgUnit }> {
    const school = await this.requireByCode(schoolCode, 'school');
    const grade = await this.store.getByCode(this.db, gradeCodeOf(schoolCode, level));
    if (!grade || grade.parentId !== school.id) throw new AppError('org_unit_unknown', `school '${schoolCode}' has no grade ${level}`);
    return { school, grade };
  }

  /** Ids of the schools at or under a unit (an authority, a municipality or a school). */
  async schoolIdsUnder(code: string): Promise<string[]> {
    const unit = await this.requireByCode(code);
    if (unit.kind === 'school') return [unit.id];
    return (await this.store.list(this.db, { kind: 'school', underId: unit.id })).map((s) => s.id);
  }

  private async resolveUnder(code: string | undefined): Promise<string | undefined> {
    return code === undefined ? undefined : (await this.requireByCode(code)).id;
  }
}
