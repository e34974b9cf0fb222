import type { OrgKind } from '../../db/entities';

/** What policy needs of an organisation unit (a subset of OrgUnitRow, so rows pass as they are). */
export interface OrgUnit {
  id: string;
  code: string;
  kind: OrgKind;
  name: string;
  parentId: string | null;
  gradeLevel: number | null;
}

/** A device's place in the tree, from its most specific unit upwards. */
export interface Placement {
  municipality?: OrgUnit;
  school?: OrgUnit;
  grade?: OrgUnit;
  class?: OrgUnit;
}

/**
 * The organisation tree indexed for policy: by id, by code, and each unit's placement (its
 * municipality, school, grade, class) computed once. Devices store school/grade/class ids
 * (DeviceRow), so the matcher keys on unit ids; the catalog names codes, resolved here.
 */
export class OrgIndex {
  private readonly ids = new Map<string, OrgUnit>();
  private readonly codes = new Map<string, OrgUnit>();
  private readonly placements = new Map<string, Placement>();

  constructor(units: readonly OrgUnit[]) {
    for (const u of units) {
      this.ids.set(u.id, u);
      this.codes.set(u.code, u);
    }
  }

  /** From parsed organisation-file upserts (no database ids yet): codes serve as ids. */
  static fromOrgFile(units: readonly { code: string; kind: OrgKind; name: string; parentCode: string | null; gradeLevel: number | null }[]): OrgIndex {
    return new OrgIndex(units.map((u) => ({ id: u.code, code: u.code, kind: u.kind, name: u.name, parentId: u.parentCode, gradeLevel: u.gradeLevel })));
  }

  byId(id: string): OrgUnit | undefined {
    return this.ids.get(id);
  }

  byCode(code: string): OrgUnit | undefined {
    return this.codes.get(code);
  }

  units(): IterableIterator<OrgUnit> {
    return this.ids.values();
  }

  /** Placement of a unit (cached); an unknown id has an empty placement. */
  placementOf(unitId: string): Placement {
    let p = this.placements.get(unitId);
    if (p) return p;
    p = {};
    const seen = new Set<string>();
    for (let u = this.ids.get(unitId); u && !seen.has(u.id); u = u.parentId ? this.ids.get(u.parentId) : undefined) {
      seen.add(u.id);
      if (u.kind !== 'authority') p[u.kind] = u;
    }
    this.placements.set(unitId, p);
    return p;
  }
}

/** The unit a device is placed in: its class, else its grade, else its school (DeviceRow ids). */
export function placementUnitId(device: { schoolId: string | null; gradeId: string | null; classId: string | null }): string | null {
  return device.classId ?? device.gradeId ?? device.schoolId;
}
