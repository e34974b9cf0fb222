import { randomBytes, randomUUID } from 'node:crypto';
import { valuesList, type Db } from '../../../src/db/database';

/** Bulk rows for benchmarks, written with multi-row INSERTs (the stores' paths would take minutes). */

/** Enrolled Apple devices with push tokens, placed in one school; returns their ids. */
export async function seedAppleDevices(db: Db, n: number, place: { schoolId: string; gradeId: string }): Promise<string[]> {
  const ids: string[] = [];
  const now = new Date();
  const batch = 500;
  for (let off = 0; off < n; off += batch) {
    const rows = Math.min(batch, n - off);
    const devices: unknown[] = [];
    const apple: unknown[] = [];
    for (let i = 0; i < rows; i++) {
      const id = randomUUID();
      const udid = `BENCH-${randomBytes(12).toString('hex').toUpperCase()}`;
      ids.push(id);
      devices.push(id, 'apple', udid, `BENCH${off + i}`, 'enrolled', place.schoolId, place.gradeId, now, now, now, now);
      apple.push(id, udid, randomBytes(32).toString('hex'), 'com.apple.mgmt.External.bench', randomUUID(), 'profile', false, now);
    }
    await db.transaction(async (tx) => {
      await tx.run(`INSERT INTO devices (id, platform, udid, serial_number, state, school_id, grade_id, enrolled_at, last_seen_at, created_at, updated_at) VALUES ${valuesList(rows, 11)}`, devices);
      await tx.run(`INSERT INTO apple_devices (device_id, udid, push_token, topic, push_magic, enrolled_via, awaiting_configuration, token_updated_at) VALUES ${valuesList(rows, 8)}`, apple);
    });
  }
  return ids;
}

/** Finished commands in the history, spread over the given devices. */
export async function seedHistory(db: Db, deviceIds: readonly string[], total: number, onProgress?: (done: number) => void): Promise<void> {
  const batch = 1000;
  const t = new Date();
  let nextId = Number((await db.one<{ m: number | string | null }>('SELECT MAX(id) AS m FROM command_history'))?.m ?? 0) + 1_000_000_000;
  for (let off = 0; off < total; off += batch) {
    const rows = Math.min(batch, total - off);
    const params: unknown[] = [];
    for (let i = 0; i < rows; i++) {
      params.push(nextId++, randomUUID(), deviceIds[(off + i) % deviceIds.length], 'DeviceInformation', 0, 'acknowledged', 0, 1, t, t, t, 'Acknowledged');
    }
    await db.run(
      `INSERT INTO command_history (id, command_uuid, device_id, request_type, priority, status, not_now_count, attempts, enqueued_at, sent_at, finished_at, result_status) VALUES ${valuesList(rows, 12)}`,
      params);
    if (onProgress && (off / batch) % 100 === 0) onProgress(off + rows);
  }
}
