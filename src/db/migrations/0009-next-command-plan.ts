import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../columns';

/**
 * Postgres: the poll functions get plans that stay right whatever the queue's statistics say.
 *
 * command_queue is small and churns (rows live minutes), so its statistics are usually missing or
 * stale, and Slate's statements are planned once per connection (generic plans) and kept until the
 * table is next vacuumed or analysed. Seen with auto_explain under `npm run bench -- command-poll`
 * and in the store test "finds the next command by reading a few pages":
 *  - The next-command lookup (`WHERE device_id = ? AND <pending, not expired> ORDER BY priority
 *    DESC, id LIMIT 1`). ix_command_queue_order answers it by reading one entry, but with default
 *    selectivities the planner expects one matching row per device and picks a bitmap scan plus
 *    sort, which reads every pending row of the device on every poll (~390 pending rows: 240–400
 *    buffers and 0.5 ms per lookup instead of 4 buffers).
 *  - Plans made while the table was nearly empty (a fresh install, a test): a sequential scan for
 *    the answered command, and the device index instead of the unique one for
 *    `command_uuid = ? AND device_id = ?`. They read the whole table, or all of the device's rows,
 *    once it has grown.
 * Every statement in these functions is a lookup by key, so they are planned with sequential and
 * bitmap scans and sorts disabled, which leaves ordered index scans (the settings hold while the
 * function runs and are restored after it). The answered command is found by its CommandUUID alone
 * (only the unique index can serve that) and then changed by its id. The Idle poll gets the lookup
 * as its own function, slate_next_command. Semantics are those of 0007: of two concurrent answers
 * one DELETE finds the row and the other, finding it gone, reads the history like any late or
 * duplicate answer.
 *
 * Frozen text: the statements are written out in full (no fragments shared with 0007), so that no
 * later edit elsewhere can change what this released migration does. `down` restores 0007's
 * function as 0007 created it.
 */

const CREATE_NEXT = `
CREATE FUNCTION slate_next_command(
  p_device uuid, p_now timestamptz, p_skip_not_now boolean,
  OUT n_id bigint, OUT n_command_uuid varchar, OUT n_request_type varchar, OUT n_body text, OUT n_body_sealed boolean)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
AS $fn$
BEGIN
  UPDATE command_queue q SET status = 'sent', sent_at = p_now, attempts = q.attempts + 1
   WHERE q.id = (SELECT w.id FROM command_queue w
                  WHERE w.device_id = p_device
                    AND (w.status IN ('queued', 'sent') OR (w.status = 'not_now' AND NOT p_skip_not_now))
                    AND (w.expires_at IS NULL OR w.expires_at > p_now)
                  ORDER BY w.priority DESC, w.id ASC LIMIT 1)
  RETURNING q.id, q.command_uuid, q.request_type, q.body, q.body_sealed
       INTO n_id, n_command_uuid, n_request_type, n_body, n_body_sealed;
END
$fn$`;

const DROP_ANSWER = `DROP FUNCTION slate_answer_and_next(uuid, varchar, varchar, varchar, jsonb, text, timestamptz, boolean, varchar[])`;

const CREATE_ANSWER = `
CREATE FUNCTION slate_answer_and_next(
  p_device uuid, p_command_uuid varchar, p_status varchar, p_result_status varchar, p_error_chain jsonb,
  p_raw text, p_now timestamptz, p_skip_not_now boolean, p_no_next_after varchar[],
  OUT outcome varchar,
  OUT c_id bigint, OUT c_command_uuid varchar, OUT c_device_id uuid, OUT c_request_type varchar, OUT c_priority integer,
  OUT c_status varchar, OUT c_params jsonb, OUT c_not_now_count integer, OUT c_attempts integer, OUT c_bulk_job_id uuid,
  OUT c_created_by varchar, OUT c_enqueued_at timestamptz, OUT c_pushed_at timestamptz, OUT c_sent_at timestamptz,
  OUT c_expires_at timestamptz, OUT c_finished_at timestamptz, OUT c_result_status varchar, OUT c_error_chain jsonb,
  OUT c_note varchar,
  OUT n_id bigint, OUT n_command_uuid varchar, OUT n_request_type varchar, OUT n_body text, OUT n_body_sealed boolean)
LANGUAGE plpgsql SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off
AS $fn$
DECLARE
  v_id bigint;
  v_device uuid;
BEGIN
  SELECT w.id, w.device_id INTO v_id, v_device FROM command_queue w WHERE w.command_uuid = p_command_uuid;
  IF v_device IS DISTINCT FROM p_device THEN v_id := NULL; END IF;

  IF v_id IS NOT NULL AND p_status = 'not_now' THEN
    UPDATE command_queue q SET status = 'not_now', not_now_count = q.not_now_count + 1 WHERE q.id = v_id
    RETURNING q.id, q.command_uuid, q.device_id, q.request_type, q.priority, q.status, q.params, q.not_now_count, q.attempts, q.bulk_job_id, q.created_by, q.enqueued_at, q.pushed_at, q.sent_at, q.expires_at INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at;
    IF FOUND THEN outcome := 'not_now'; END IF;
  ELSIF v_id IS NOT NULL THEN
    WITH gone AS (DELETE FROM command_queue q WHERE q.id = v_id RETURNING q.*)
    INSERT INTO command_history AS h (id, command_uuid, device_id, request_type, priority, status, params, not_now_count,
                                      attempts, bulk_job_id, created_by, enqueued_at, pushed_at, sent_at, expires_at,
                                      finished_at, result_status, error_chain, result_raw, note)
    SELECT g.id, g.command_uuid, g.device_id, g.request_type, g.priority, p_status, g.params, g.not_now_count,
           g.attempts, g.bulk_job_id, g.created_by, g.enqueued_at, g.pushed_at, g.sent_at, g.expires_at,
           p_now, p_result_status, p_error_chain, p_raw, NULL
      FROM gone g
    RETURNING h.id, h.command_uuid, h.device_id, h.request_type, h.priority, h.status, h.params, h.not_now_count, h.attempts, h.bulk_job_id, h.created_by, h.enqueued_at, h.pushed_at, h.sent_at, h.expires_at, h.finished_at, h.result_status, h.error_chain, h.note INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at, c_finished_at, c_result_status, c_error_chain, c_note;
    IF FOUND THEN outcome := 'finished'; END IF;
  END IF;

  IF outcome IS NULL AND p_status <> 'not_now' THEN
    UPDATE command_history h SET result_status = p_result_status, error_chain = p_error_chain, result_raw = p_raw
     WHERE h.command_uuid = p_command_uuid AND h.device_id = p_device AND h.result_status IS NULL
    RETURNING h.id, h.command_uuid, h.device_id, h.request_type, h.priority, h.status, h.params, h.not_now_count, h.attempts, h.bulk_job_id, h.created_by, h.enqueued_at, h.pushed_at, h.sent_at, h.expires_at, h.finished_at, h.result_status, h.error_chain, h.note INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at, c_finished_at, c_result_status, c_error_chain, c_note;
    IF FOUND THEN outcome := 'late'; END IF;
  END IF;
  IF outcome IS NULL THEN
    SELECT h.id, h.command_uuid, h.device_id, h.request_type, h.priority, h.status, h.params, h.not_now_count, h.attempts, h.bulk_job_id, h.created_by, h.enqueued_at, h.pushed_at, h.sent_at, h.expires_at, h.finished_at, h.result_status, h.error_chain, h.note INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at, c_finished_at, c_result_status, c_error_chain, c_note
      FROM command_history h WHERE h.command_uuid = p_command_uuid AND h.device_id = p_device;
    outcome := CASE WHEN FOUND THEN 'duplicate' ELSE 'unknown' END;
  END IF;

  IF outcome = 'finished' AND p_status = 'acknowledged' AND c_request_type = ANY (p_no_next_after) THEN
    RETURN;
  END IF;
  UPDATE command_queue q SET status = 'sent', sent_at = p_now, attempts = q.attempts + 1
   WHERE q.id = (SELECT w.id FROM command_queue w
                  WHERE w.device_id = p_device
                    AND (w.status IN ('queued', 'sent') OR (w.status = 'not_now' AND NOT p_skip_not_now))
                    AND (w.expires_at IS NULL OR w.expires_at > p_now)
                  ORDER BY w.priority DESC, w.id ASC LIMIT 1)
  RETURNING q.id, q.command_uuid, q.request_type, q.body, q.body_sealed
       INTO n_id, n_command_uuid, n_request_type, n_body, n_body_sealed;
END
$fn$`;

const CREATE_ANSWER_0007 = `
CREATE FUNCTION slate_answer_and_next(
  p_device uuid, p_command_uuid varchar, p_status varchar, p_result_status varchar, p_error_chain jsonb,
  p_raw text, p_now timestamptz, p_skip_not_now boolean, p_no_next_after varchar[],
  OUT outcome varchar,
  OUT c_id bigint, OUT c_command_uuid varchar, OUT c_device_id uuid, OUT c_request_type varchar, OUT c_priority integer,
  OUT c_status varchar, OUT c_params jsonb, OUT c_not_now_count integer, OUT c_attempts integer, OUT c_bulk_job_id uuid,
  OUT c_created_by varchar, OUT c_enqueued_at timestamptz, OUT c_pushed_at timestamptz, OUT c_sent_at timestamptz,
  OUT c_expires_at timestamptz, OUT c_finished_at timestamptz, OUT c_result_status varchar, OUT c_error_chain jsonb,
  OUT c_note varchar,
  OUT n_id bigint, OUT n_command_uuid varchar, OUT n_request_type varchar, OUT n_body text, OUT n_body_sealed boolean)
LANGUAGE plpgsql AS $fn$
BEGIN
  IF p_status = 'not_now' THEN
    UPDATE command_queue q SET status = 'not_now', not_now_count = q.not_now_count + 1
     WHERE q.command_uuid = p_command_uuid AND q.device_id = p_device
    RETURNING q.id, q.command_uuid, q.device_id, q.request_type, q.priority, q.status, q.params, q.not_now_count, q.attempts, q.bulk_job_id, q.created_by, q.enqueued_at, q.pushed_at, q.sent_at, q.expires_at INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at;
    IF FOUND THEN outcome := 'not_now'; END IF;
  ELSE
    WITH gone AS (
      DELETE FROM command_queue q WHERE q.command_uuid = p_command_uuid AND q.device_id = p_device RETURNING q.*
    )
    INSERT INTO command_history AS h (id, command_uuid, device_id, request_type, priority, status, params, not_now_count,
                                      attempts, bulk_job_id, created_by, enqueued_at, pushed_at, sent_at, expires_at,
                                      finished_at, result_status, error_chain, result_raw, note)
    SELECT g.id, g.command_uuid, g.device_id, g.request_type, g.priority, p_status, g.params, g.not_now_count,
           g.attempts, g.bulk_job_id, g.created_by, g.enqueued_at, g.pushed_at, g.sent_at, g.expires_at,
           p_now, p_result_status, p_error_chain, p_raw, NULL
      FROM gone g
    RETURNING h.id, h.command_uuid, h.device_id, h.request_type, h.priority, h.status, h.params, h.not_now_count, h.attempts, h.bulk_job_id, h.created_by, h.enqueued_at, h.pushed_at, h.sent_at, h.expires_at, h.finished_at, h.result_status, h.error_chain, h.note INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at, c_finished_at, c_result_status, c_error_chain, c_note;
    IF FOUND THEN outcome := 'finished'; END IF;
  END IF;

  IF outcome IS NULL AND p_status <> 'not_now' THEN
    UPDATE command_history h SET result_status = p_result_status, error_chain = p_error_chain, result_raw = p_raw
     WHERE h.command_uuid = p_command_uuid AND h.device_id = p_device AND h.result_status IS NULL
    RETURNING h.id, h.command_uuid, h.device_id, h.request_type, h.priority, h.status, h.params, h.not_now_count, h.attempts, h.bulk_job_id, h.created_by, h.enqueued_at, h.pushed_at, h.sent_at, h.expires_at, h.finished_at, h.result_status, h.error_chain, h.note INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at, c_finished_at, c_result_status, c_error_chain, c_note;
    IF FOUND THEN outcome := 'late'; END IF;
  END IF;
  IF outcome IS NULL THEN
    SELECT h.id, h.command_uuid, h.device_id, h.request_type, h.priority, h.status, h.params, h.not_now_count, h.attempts, h.bulk_job_id, h.created_by, h.enqueued_at, h.pushed_at, h.sent_at, h.expires_at, h.finished_at, h.result_status, h.error_chain, h.note INTO c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at, c_finished_at, c_result_status, c_error_chain, c_note
      FROM command_history h WHERE h.command_uuid = p_command_uuid AND h.device_id = p_device;
    outcome := CASE WHEN FOUND THEN 'duplicate' ELSE 'unknown' END;
  END IF;

  IF outcome = 'finished' AND p_status = 'acknowledged' AND c_request_type = ANY (p_no_next_after) THEN
    RETURN;
  END IF;
  UPDATE command_queue q SET status = 'sent', sent_at = p_now, attempts = q.attempts + 1
   WHERE q.id = (SELECT w.id FROM command_queue w
                  WHERE w.device_id = p_device
                    AND (w.status IN ('queued', 'sent') OR (w.status = 'not_now' AND NOT p_skip_not_now))
                    AND (w.expires_at IS NULL OR w.expires_at > p_now)
                  ORDER BY w.priority DESC, w.id ASC LIMIT 1)
  RETURNING q.id, q.command_uuid, q.request_type, q.body, q.body_sealed
       INTO n_id, n_command_uuid, n_request_type, n_body, n_body_sealed;
END
$fn$`;

const DROP_NEXT = `DROP FUNCTION slate_next_command(uuid, timestamptz, boolean)`;

export class NextCommandPlan1700000000009 implements MigrationInterface {
  name = 'NextCommandPlan1700000000009';

  async up(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr) !== 'postgres') return;
    await qr.query(CREATE_NEXT);
    await qr.query(DROP_ANSWER);
    await qr.query(CREATE_ANSWER);
  }

  async down(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr) !== 'postgres') return;
    await qr.query(DROP_ANSWER);
    await qr.query(CREATE_ANSWER_0007);
    await qr.query(DROP_NEXT);
  }
}
