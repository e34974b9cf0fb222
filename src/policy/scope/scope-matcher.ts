import type { Scope, ScopeSelector } from '../catalog/catalog-entry';
import type { OrgIndex, Placement } from '../org/org-index';

interface CompiledSelector {
  all: boolean;
  municipalities: ReadonlySet<string>;
  schools: ReadonlySet<string>;
  grades: ReadonlySet<string>;
  gradeLevels: ReadonlySet<number>;
  classes: ReadonlySet<string>;
}

const NONE: readonly number[] = Object.freeze([]);

/**
 * Which catalog entries apply where. Scopes are evaluated once per organisation unit (a school,
 * grade or class), never per device: a device looks up the list of its unit, so matching 100,000
 * devices is 100,000 map lookups, and devices of one unit share one frozen array.
 */
export class ScopeMatcher {
  private readonly selectors: { include: CompiledSelector; exclude: CompiledSelector }[];
  private readonly byUnit = new Map<string, readonly number[]>();
  private readonly interned = new Map<string, readonly number[]>();
  private unplaced: readonly number[] | undefined;

  constructor(scopes: readonly Scope[], private readonly org: OrgIndex) {
    this.selectors = scopes.map((s) => ({ include: compile(s.include), exclude: compile(s.exclude) }));
  }

  /** Indices (into the catalog's entries, ascending) of the entries a device in `unitId` gets. */
  entriesFor(unitId: string | null): readonly number[] {
    if (unitId === null) return (this.unplaced ??= this.intern(this.evaluate({})));
    let list = this.byUnit.get(unitId);
    if (!list) {
      list = this.intern(this.evaluate(this.org.placementOf(unitId)));
      this.byUnit.set(unitId, list);
    }
    return list;
  }

  private evaluate(p: Placement): number[] {
    const out: number[] = [];
    this.selectors.forEach((s, i) => {
      if (matches(s.include, p) && !matches(s.exclude, p)) out.push(i);
    });
    return out;
  }

  private intern(list: number[]): readonly number[] {
    if (list.length === 0) return NONE;
    const key = list.join(',');
    let shared = this.interned.get(key);
    if (!shared) this.interned.set(key, (shared = Object.freeze(list)));
    return shared;
  }
}

function compile(s: ScopeSelector): CompiledSelector {
  return {
    all: s.all,
    municipalities: new Set(s.municipalities),
    schools: new Set(s.schools),
    grades: new Set(s.grades),
    gradeLevels: new Set(s.gradeLevels),
    classes: new Set(s.classes),
  };
}

function matches(s: CompiledSelector, p: Placement): boolean {
  if (s.all) return true;
  if (p.municipality && s.municipalities.has(p.municipality.code)) return true;
  if (p.school && s.schools.has(p.school.code)) return true;
  if (p.grade && s.grades.has(p.grade.code)) return true;
  if (p.class && s.classes.has(p.class.code)) return true;
  const level = p.grade?.gradeLevel ?? p.class?.gradeLevel;
  return level != null && s.gradeLevels.has(level);
}
