import type { Tx } from '../database';
import type { OrgUnit } from './org.store';

/** Changes to the organisation tree made by staff (imports go through OrgStore.applyUpserts). */
export interface OrgTreeStore {
  rename(tx: Tx, id: string, name: string, at: Date): Promise<void>;
  /**
   * Hangs `unit` and its subtree under `parent`: one statement rewrites every path below it.
   * Devices follow by themselves (they reference units, not paths).
   */
  move(tx: Tx, unit: OrgUnit, parent: OrgUnit, at: Date): Promise<number>;
}
