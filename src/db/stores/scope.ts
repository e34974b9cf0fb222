import type { OrgKind } from '../entities';

/**
 * What a member of staff or an API token may see: one subtree of the organisation tree. Scoped
 * store methods take it as a required argument and put it into their SQL, so no query of the
 * admin API can forget it; an object outside the subtree is simply not found.
 */
export interface Scope {
  unitId: string;
  kind: OrgKind;
  /** Materialised path of the unit (`/id/id/`); every unit under it has this prefix. */
  path: string;
  /** A root unit (the authority): sees everything, devices without placement included. */
  root: boolean;
}

/** Paths are ids and slashes only, so a prefix LIKE needs no escaping. */
export const pathPrefix = (scope: Pick<Scope, 'path'>): string => `${scope.path}%`;

/**
 * The condition that keeps devices (alias `d`) inside a scope. A school or anything above it is
 * matched by the device's school; a grade or class by that column: each an indexed lookup.
 */
export function deviceScopeSql(scope: Scope, alias = 'd'): { sql: string; params: unknown[] } {
  return placementScopeSql(scope, `${alias}.`);
}

/** As deviceScopeSql, for any table placed by school_id/grade_id/class_id columns (column prefix `p`). */
export function placementScopeSql(scope: Scope, p: string): { sql: string; params: unknown[] } {
  if (scope.root) return { sql: '1 = 1', params: [] };
  switch (scope.kind) {
    case 'school':
      return { sql: `${p}school_id = ?`, params: [scope.unitId] };
    case 'grade':
      return { sql: `${p}grade_id = ?`, params: [scope.unitId] };
    case 'class':
      return { sql: `${p}class_id = ?`, params: [scope.unitId] };
    default:
      return { sql: `${p}school_id IN (SELECT id FROM org_units WHERE kind = 'school' AND path LIKE ?)`, params: [pathPrefix(scope)] };
  }
}

/** The condition that keeps rows placed by an org unit column inside a scope (null placement: root only). */
export function unitScopeSql(scope: Scope, column: string): { sql: string; params: unknown[] } {
  if (scope.root) return { sql: '1 = 1', params: [] };
  return { sql: `${column} IN (SELECT id FROM org_units WHERE path LIKE ?)`, params: [pathPrefix(scope)] };
}

/** Whether a materialised path lies inside the scope. */
export function pathInScope(scope: Scope, path: string | null): boolean {
  if (scope.root) return true;
  return path !== null && path.startsWith(scope.path);
}
