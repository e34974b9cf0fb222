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
  count(): Promise<number>;
  getById(id: string): Promise<OrgUnit | null>;
  getByCode(code: string): Promise<OrgUnit | null>;
  getByCodes(codes: readonly string[]): Promise<OrgUnit[]>;
  /** All units, parents before children (ordered by path depth, then code). */
  list(filter?: { kind?: OrgKind; underId?: string }): Promise<OrgUnit[]>;
  /** Applies upserts (parents listed before children) atomically: all or nothing. */
  applyUpserts(units: readonly OrgUnitUpsert[]): Promise<OrgImportResult>;
}
