import type { EntitySchema } from 'typeorm';
import { entityTypes, type Dialect } from '../columns';
import { deviceEntity } from './device.entity';
import { orgUnitEntity } from './org-unit.entity';

export * from './device.entity';
export * from './org-unit.entity';

/** Every entity, typed for one dialect. New entities are added here. */
export function entitiesFor(d: Dialect): EntitySchema<any>[] {
  const t = entityTypes(d);
  return [orgUnitEntity(t), deviceEntity(t)];
}
