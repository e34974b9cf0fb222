import { readDate } from '../columns';
import type { OrgKind } from '../entities';
import type { OrgUnit } from './org.store';

/** An org unit joined as `u` under prefixed names, so it cannot collide with the main row's columns. */
export const UNIT_COLS = 'u.id AS u_id, u.code AS u_code, u.kind AS u_kind, u.name AS u_name, u.parent_id AS u_parent_id, u.path AS u_path, u.grade_level AS u_grade_level, u.created_at AS u_created_at, u.updated_at AS u_updated_at';

export function unitFromJoin(r: Record<string, unknown>): OrgUnit {
  return {
    id: String(r.u_id), code: String(r.u_code), kind: r.u_kind as OrgKind, name: String(r.u_name), parentId: (r.u_parent_id as string | null) ?? null,
    path: String(r.u_path), gradeLevel: r.u_grade_level === null || r.u_grade_level === undefined ? null : Number(r.u_grade_level),
    createdAt: readDate(r.u_created_at)!, updatedAt: readDate(r.u_updated_at)!,
  };
}
