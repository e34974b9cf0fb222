import type { Queryable } from '../database';
import { DEVICE_COLUMNS, toDevice } from './device.store.sql';
import { deviceScopeSql, type Scope } from './scope';
import type { PlacedDevice, ScopedDeviceFilter, ScopedDeviceStore } from './scoped-device.store';

const SELECT = `SELECT ${DEVICE_COLUMNS.map((c) => `d.${c}`).join(', ')}, u.path AS placement_path
  FROM devices d LEFT JOIN org_units u ON u.id = COALESCE(d.class_id, d.grade_id, d.school_id)`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class SqlScopedDeviceStore implements ScopedDeviceStore {
  async list(q: Queryable, scope: Scope, f: ScopedDeviceFilter): Promise<PlacedDevice[]> {
    const s = deviceScopeSql(scope);
    const where = [s.sql];
    const params = [...s.params];
    const add = (sql: string, ...v: unknown[]) => {
      where.push(sql);
      params.push(...v);
    };
    if (f.within) {
      const w = deviceScopeSql(f.within);
      add(w.sql, ...w.params);
    }
    if (f.platform) add('d.platform = ?', f.platform);
    if (f.state) add('d.state = ?', f.state);
    if (f.lastSeenBefore) add('(d.last_seen_at < ? OR d.last_seen_at IS NULL)', f.lastSeenBefore);
    if (f.lastSeenAfter) add('d.last_seen_at >= ?', f.lastSeenAfter);
    if (f.search) {
      // A serial number or UDID is an indexed lookup; only when none matches is the name searched,
      // which scans the devices in scope (no index serves "part of a name" on both databases).
      const exact = await this.exact(q, f.search);
      if (exact.length) add(`d.id IN (${exact.map(() => '?').join(', ')})`, ...exact);
      else add(`LOWER(d.name) LIKE ? ESCAPE '\\'`, `%${likeEscape(f.search.toLowerCase())}%`);
    }
    if (f.afterId) add('d.id > ?', f.afterId);
    const limit = Math.max(1, Math.min(5000, Math.floor(f.limit)));
    return (await q.rows(`${SELECT} WHERE ${where.join(' AND ')} ORDER BY d.id LIMIT ${limit}`, params)).map(toPlaced);
  }

  private async exact(q: Queryable, term: string): Promise<string[]> {
    const upper = term.toUpperCase();
    const rows = await q.rows<{ id: string }>('SELECT id FROM devices WHERE serial_number = ? UNION SELECT id FROM devices WHERE udid = ? OR udid = ? LIMIT 100', [upper, term, upper]);
    return rows.map((r) => String(r.id));
  }

  async find(q: Queryable, scope: Scope, ref: string): Promise<PlacedDevice[]> {
    const s = deviceScopeSql(scope);
    // Postgres refuses to compare a uuid column with text that is not one.
    const match = UUID.test(ref) ? 'd.id = ?' : '(d.udid = ? OR d.serial_number = ?)';
    const params = UUID.test(ref) ? [ref.toLowerCase()] : [ref, ref.toUpperCase()];
    return (await q.rows(`${SELECT} WHERE ${match} AND ${s.sql} ORDER BY d.id LIMIT 10`, [...params, ...s.params])).map(toPlaced);
  }
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function toPlaced(r: Record<string, unknown>): PlacedDevice {
  return { ...toDevice(r), placementPath: (r.placement_path as string | null) ?? null };
}
