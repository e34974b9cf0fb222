import type { Queryable, Tx } from '../database';
import type { OrgKind, OrgUnitRow } from '../entities';

export type OrgUnit = OrgUnitRow;

/** One unit as an import wants it to be; the store decides create vs update. */
export interface OrgUnitUpsert {
  code: string;
  kind: OrgKind;
  name: string;
  parentCode: string | null;
  gradeLevel: number | null;
}

export interface OrgImportResult {
  created: number;
  updated: number;
  unchanged: number;
}

export interface OrgStore {
  count(q: Queryable): Promise<number>;
  getById(q: Queryable, id: string): Promise<OrgUnit | null>;
  getByCode(q: Queryable, code: string): Promise<OrgUnit | null>;
  getByCodes(q: Queryable, codes: readonly string[]): Promise<OrgUnit[]>;
  /** All units, parents before children (ordered by path depth, then code). */
  list(q: Queryable, filter?: { kind?: OrgKind; underId?: string }): Promise<OrgUnit[]>;
  /** Applies upserts (parents listed before children) in the caller's transaction. */
  applyUpserts(tx: Tx, units: readonly OrgUnitUpsert[]): Promise<OrgImportResult>;
}
