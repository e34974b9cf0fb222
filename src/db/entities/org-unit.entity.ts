import { EntitySchema } from 'typeorm';
import type { ColumnTypes } from '../columns';

export const ORG_KINDS = ['authority', 'municipality', 'school', 'grade', 'class'] as const;
export type OrgKind = (typeof ORG_KINDS)[number];

export interface OrgUnitRow {
  id: string;
  code: string;
  kind: OrgKind;
  name: string;
  parentId: string | null;
  /** Ids from the root down to this unit, `/id/id/.../`: scoping "everything under X" is one LIKE. */
  path: string;
  gradeLevel: number | null;
  createdAt: Date;
  updatedAt: Date;
}

export const orgUnitEntity = (t: ColumnTypes) =>
  new EntitySchema<OrgUnitRow>({
    name: 'OrgUnit',
    tableName: 'org_units',
    columns: {
      id: { type: t.uuid, primary: true, length: t.uuid === 'varchar' ? 36 : undefined },
      code: { type: 'varchar', length: 64 },
      kind: { type: 'varchar', length: 16 },
      name: { type: 'varchar', length: 200 },
      parentId: { name: 'parent_id', type: t.uuid, nullable: true },
      path: { type: 'varchar', length: 1000 },
      gradeLevel: { name: 'grade_level', type: 'integer', nullable: true },
      createdAt: { name: 'created_at', type: t.timestamp },
      updatedAt: { name: 'updated_at', type: t.timestamp },
    },
  });
