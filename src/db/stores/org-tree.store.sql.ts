import type { Tx } from '../database';
import type { OrgUnit } from './org.store';
import type { OrgTreeStore } from './org-tree.store';

export class SqlOrgTreeStore implements OrgTreeStore {
  async rename(tx: Tx, id: string, name: string, at: Date): Promise<void> {
    await tx.run('UPDATE org_units SET name = ?, updated_at = ? WHERE id = ?', [name, at, id]);
  }

  async move(tx: Tx, unit: OrgUnit, parent: OrgUnit, at: Date): Promise<number> {
    const newPath = `${parent.path}${unit.id}/`;
    await tx.run('UPDATE org_units SET parent_id = ?, updated_at = ? WHERE id = ?', [parent.id, at, unit.id]);
    // SUBSTR is 1-based on both databases: keep what follows the old prefix.
    const r = await tx.run('UPDATE org_units SET path = ? || SUBSTR(path, ?) WHERE path LIKE ?', [newPath, unit.path.length + 1, `${unit.path}%`]);
    return r.affected;
  }
}
