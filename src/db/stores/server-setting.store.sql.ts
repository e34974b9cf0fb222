import { readDate } from '../columns';
import { atomically, type Atomic, type Queryable } from '../database';
import type { ServerSettingStore } from './server-setting.store';

export class SqlServerSettingStore implements ServerSettingStore {
  async get(q: Queryable, names: readonly string[]): Promise<Map<string, { value: string; updatedAt: Date }>> {
    if (names.length === 0) return new Map();
    const rows = await q.rows<{ name: string; value: string; updated_at: unknown }>(
      `SELECT name, value, updated_at FROM server_settings WHERE name IN (${names.map(() => '?').join(', ')})`, names);
    return new Map(rows.map((r) => [r.name, { value: r.value, updatedAt: readDate(r.updated_at)! }]));
  }

  put(w: Atomic, values: Readonly<Record<string, string>>, now: Date): Promise<void> {
    return atomically(w, async (tx) => {
      for (const [name, value] of Object.entries(values)) {
        await tx.run(`INSERT INTO server_settings (name, value, updated_at) VALUES (?, ?, ?)
                      ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`, [name, value, now]);
      }
    });
  }

  async putIfAbsent(w: Atomic, name: string, value: string, now: Date): Promise<boolean> {
    const r = await w.run(`INSERT INTO server_settings (name, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING`, [name, value, now]);
    return r.affected === 1;
  }
}
