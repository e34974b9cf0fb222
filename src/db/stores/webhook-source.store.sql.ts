import { readDate } from '../columns';
import type { Queryable } from '../database';
import type { WebhookSourceStore } from './webhook-source.store';
import type { WebhookEvent } from './webhook.store';

const PLACE = 'LEFT JOIN org_units u ON u.id = COALESCE(d.class_id, d.grade_id, d.school_id)';
const LIMIT = 10_000;

export class SqlWebhookSourceStore implements WebhookSourceStore {
  async commandEvents(q: Queryable, from: Date, to: Date): Promise<WebhookEvent[]> {
    const rows = await q.rows(
      `SELECT h.command_uuid, h.device_id, h.request_type, h.status, h.result_status, h.finished_at, d.serial_number, u.path
         FROM command_history h JOIN devices d ON d.id = h.device_id ${PLACE}
        WHERE h.finished_at >= ? AND h.finished_at < ?
          AND (h.status IN ('error', 'command_format_error') OR (h.status = 'acknowledged' AND h.request_type IN ('EnableLostMode', 'DisableLostMode')))
        ORDER BY h.finished_at LIMIT ${LIMIT}`, [from, to]);
    return rows.map((r) => {
      const failed = r.status !== 'acknowledged';
      const type = failed ? 'command.failed' : r.request_type === 'EnableLostMode' ? 'device.lost_mode_entered' : 'device.lost_mode_left';
      return {
        id: `${type}:${String(r.command_uuid)}`, type, scopePath: (r.path as string | null) ?? null, at: readDate(r.finished_at)!,
        data: { deviceId: String(r.device_id), serialNumber: r.serial_number ?? null, commandUuid: String(r.command_uuid), requestType: String(r.request_type), ...(failed ? { status: r.status } : {}) },
      };
    });
  }

  async enrolments(q: Queryable, from: Date, to: Date): Promise<WebhookEvent[]> {
    const rows = await q.rows(`SELECT d.id, d.serial_number, d.platform, d.enrolled_at, u.path FROM devices d ${PLACE}
      WHERE d.enrolled_at >= ? AND d.enrolled_at < ? ORDER BY d.enrolled_at LIMIT ${LIMIT}`, [from, to]);
    return rows.map((r) => {
      const at = readDate(r.enrolled_at)!;
      return {
        id: `device.enrolled:${String(r.id)}:${at.getTime()}`, type: 'device.enrolled', scopePath: (r.path as string | null) ?? null, at,
        data: { deviceId: String(r.id), serialNumber: r.serial_number ?? null, platform: r.platform },
      };
    });
  }

  async checkOuts(q: Queryable, from: Date, to: Date): Promise<WebhookEvent[]> {
    const rows = await q.rows(`SELECT c.id, c.device_id, c.created_at, d.serial_number, u.path FROM checkins c JOIN devices d ON d.id = c.device_id ${PLACE}
      WHERE c.created_at >= ? AND c.created_at < ? AND c.message_type = 'CheckOut' ORDER BY c.created_at LIMIT ${LIMIT}`, [from, to]);
    return rows.map((r) => ({
      id: `device.checked_out:${String(r.id)}`, type: 'device.checked_out', scopePath: (r.path as string | null) ?? null, at: readDate(r.created_at)!,
      data: { deviceId: String(r.device_id), serialNumber: r.serial_number ?? null },
    }));
  }

  async expiringCertificates(q: Queryable, now: Date, before: Date): Promise<WebhookEvent[]> {
    const rows = await q.rows(`SELECT c.serial, c.device_id, c.not_after, d.serial_number, u.path FROM certificates c
        LEFT JOIN devices d ON d.id = c.device_id ${PLACE}
      WHERE c.revoked_at IS NULL AND c.not_after >= ? AND c.not_after < ? ORDER BY c.not_after LIMIT ${LIMIT}`, [now, before]);
    return rows.map((r) => ({
      id: `certificate.expiring:${String(r.serial)}`, type: 'certificate.expiring', scopePath: (r.path as string | null) ?? null, at: now,
      data: { serial: String(r.serial), deviceId: (r.device_id as string | null) ?? null, serialNumber: r.serial_number ?? null, notAfter: readDate(r.not_after)!.toISOString() },
    }));
  }
}
