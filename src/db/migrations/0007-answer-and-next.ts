import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../columns';

/**
 * Postgres: one function records a device's answer and hands out its next command
 * (CommandQueueStore.answerAndNext). A poll that reports an answer used to cost six round trips
 * (BEGIN, lock, move to history, delete, next, COMMIT); as one statement it costs one, and the
 * single statement is its own transaction.
 *
 * Semantics are those of recordAnswer + next in SqlCommandQueueStore:
 *  - a pending command of this device: NotNow marks it not_now (tally + 1); any other answer moves
 *    it to the history with the answer ('finished'). The DELETE takes the row lock, so of two
 *    concurrent answers exactly one finishes the command and the other then finds it in the
 *    history (each statement of a VOLATILE function sees what committed before it started);
 *  - already in the history without a result (cancelled, expired): the answer is recorded, the
 *    status kept ('late'); otherwise nothing changes ('duplicate'); not found ('unknown');
 *  - no next command after an acknowledged command whose type is in p_no_next_after (a device
 *    that acknowledged EraseDevice is wiping itself); otherwise the next pending command by
 *    priority then FIFO, never an expired one, NotNow ones skipped when p_skip_not_now.
 *
 * Created unqualified: it lives in the schema the migrations run in (tests use one schema per
 * file) and resolves its tables through the caller's search_path. OUT names carry c_ (the answered
 * command) and n_ (the next command) prefixes so that they never shadow a column in the queries.
 *
 * A later migration that changes command_queue or command_history must re-create this function
 * (its body is checked only when it runs).
 *
 * SQLite has no stored procedures; its statements run in-process, so the store runs them there.
 */
const SIGNATURE = 'slate_answer_and_next(uuid, varchar, varchar, varchar, jsonb, text, timestamptz, boolean, varchar[])';

const COMMAND = `c_id, c_command_uuid, c_device_id, c_request_type, c_priority, c_status, c_params, c_not_now_count,
    c_attempts, c_bulk_job_id, c_created_by, c_enqueued_at, c_pushed_at, c_sent_at, c_expires_at`;
const ANSWER = 'c_finished_at, c_result_status, c_error_chain, c_note';
const SHARED = (t: string) =>
  ['id', 'command_uuid', 'device_id', 'request_type', 'priority', 'status', 'params', 'not_now_count', 'attempts',
    'bulk_job_id', 'created_by', 'enqueued_at', 'pushed_at', 'sent_at', 'expires_at'].map((c) => `${t}.${c}`).join(', ');
const HISTORY = (t: string) => `${SHARED(t)}, ${t}.finished_at, ${t}.result_status, ${t}.error_chain, ${t}.note`;

/** The function's parameters (IN and OUT), shared with migration 0009. */
const PARAMS = `  p_device uuid, p_command_uuid varchar, p_status varchar, p_result_status varchar, p_error_chain jsonb,
  p_raw text, p_now timestamptz, p_skip_not_now boolean, p_no_next_after varchar[],
  OUT outcome varchar,
  OUT c_id bigint, OUT c_command_uuid varchar, OUT c_device_id uuid, OUT c_request_type varchar, OUT c_priority integer,
  OUT c_status varchar, OUT c_params jsonb, OUT c_not_now_count integer, OUT c_attempts integer, OUT c_bulk_job_id uuid,
  OUT c_created_by varchar, OUT c_enqueued_at timestamptz, OUT c_pushed_at timestamptz, OUT c_sent_at timestamptz,
  OUT c_expires_at timestamptz, OUT c_finished_at timestamptz, OUT c_result_status varchar, OUT c_error_chain jsonb,
  OUT c_note varchar,
  OUT n_id bigint, OUT n_command_uuid varchar, OUT n_request_type varchar, OUT n_body text, OUT n_body_sealed boolean)`;

/** Inserts the deleted queue row (`gone`) into the history with the answer; shared with 0009. */
const INSERT_HISTORY = `    INSERT INTO command_history AS h (id, command_uuid, device_id, request_type, priority, status, params, not_now_count,
                                      attempts, bulk_job_id, created_by, enqueued_at, pushed_at, sent_at, expires_at,
                                      finished_at, result_status, error_chain, result_raw, note)
    SELECT g.id, g.command_uuid, g.device_id, g.request_type, g.priority, p_status, g.params, g.not_now_count,
           g.attempts, g.bulk_job_id, g.created_by, g.enqueued_at, g.pushed_at, g.sent_at, g.expires_at,
           p_now, p_result_status, p_error_chain, p_raw, NULL
      FROM gone g
    RETURNING ${HISTORY('h')} INTO ${COMMAND}, ${ANSWER};`;

/** When the command was not pending: a late answer or a duplicate (or unknown); then whether to stop. Shared with 0009. */
const LATE_OR_DUPLICATE = `  IF outcome IS NULL AND p_status <> 'not_now' THEN
    UPDATE command_history h SET result_status = p_result_status, error_chain = p_error_chain, result_raw = p_raw
     WHERE h.command_uuid = p_command_uuid AND h.device_id = p_device AND h.result_status IS NULL
    RETURNING ${HISTORY('h')} INTO ${COMMAND}, ${ANSWER};
    IF FOUND THEN outcome := 'late'; END IF;
  END IF;
  IF outcome IS NULL THEN
    SELECT ${HISTORY('h')} INTO ${COMMAND}, ${ANSWER}
      FROM command_history h WHERE h.command_uuid = p_command_uuid AND h.device_id = p_device;
    outcome := CASE WHEN FOUND THEN 'duplicate' ELSE 'unknown' END;
  END IF;

  IF outcome = 'finished' AND p_status = 'acknowledged' AND c_request_type = ANY (p_no_next_after) THEN
    RETURN;
  END IF;`;

/** Hands out the device's next command (the function's last statement); shared with 0009. */
const NEXT_COMMAND = `  UPDATE command_queue q SET status = 'sent', sent_at = p_now, attempts = q.attempts + 1
   WHERE q.id = (SELECT w.id FROM command_queue w
                  WHERE w.device_id = p_device
                    AND (w.status IN ('queued', 'sent') OR (w.status = 'not_now' AND NOT p_skip_not_now))
                    AND (w.expires_at IS NULL OR w.expires_at > p_now)
                  ORDER BY w.priority DESC, w.id ASC LIMIT 1)
  RETURNING q.id, q.command_uuid, q.request_type, q.body, q.body_sealed
       INTO n_id, n_command_uuid, n_request_type, n_body, n_body_sealed;`;

/** The names above and this definition are also used by migration 0009 (its `down` restores this one). */
const CREATE = `
CREATE FUNCTION slate_answer_and_next(
${PARAMS}
LANGUAGE plpgsql AS $fn$
BEGIN
  IF p_status = 'not_now' THEN
    UPDATE command_queue q SET status = 'not_now', not_now_count = q.not_now_count + 1
     WHERE q.command_uuid = p_command_uuid AND q.device_id = p_device
    RETURNING ${SHARED('q')} INTO ${COMMAND};
    IF FOUND THEN outcome := 'not_now'; END IF;
  ELSE
    WITH gone AS (
      DELETE FROM command_queue q WHERE q.command_uuid = p_command_uuid AND q.device_id = p_device RETURNING q.*
    )
${INSERT_HISTORY}
    IF FOUND THEN outcome := 'finished'; END IF;
  END IF;

${LATE_OR_DUPLICATE}
${NEXT_COMMAND}
END
$fn$`;

export class AnswerAndNext1700000000007 implements MigrationInterface {
  name = 'AnswerAndNext1700000000007';

  async up(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr) === 'postgres') await qr.query(CREATE);
  }

  async down(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr) === 'postgres') await qr.query(`DROP FUNCTION ${SIGNATURE}`);
  }
}
