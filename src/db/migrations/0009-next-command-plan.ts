import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../columns';
import {
  COMMAND, CREATE as CREATE_0007, INSERT_HISTORY, LATE_OR_DUPLICATE, NEXT_COMMAND, PARAMS, SHARED, SIGNATURE as ANSWER_SIGNATURE,
} from './0007-answer-and-next';

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
 */
const NEXT_SIGNATURE = 'slate_next_command(uuid, timestamptz, boolean)';
const PLANNER = 'SET enable_seqscan = off SET enable_bitmapscan = off SET enable_sort = off';
const CREATE_NEXT = `
CREATE FUNCTION slate_next_command(
  p_device uuid, p_now timestamptz, p_skip_not_now boolean,
  OUT n_id bigint, OUT n_command_uuid varchar, OUT n_request_type varchar, OUT n_body text, OUT n_body_sealed boolean)
LANGUAGE plpgsql ${PLANNER}
AS $fn$
BEGIN
${NEXT_COMMAND}
END
$fn$`;

const CREATE_ANSWER = `
CREATE FUNCTION slate_answer_and_next(
${PARAMS}
LANGUAGE plpgsql ${PLANNER}
AS $fn$
DECLARE
  v_id bigint;
  v_device uuid;
BEGIN
  SELECT w.id, w.device_id INTO v_id, v_device FROM command_queue w WHERE w.command_uuid = p_command_uuid;
  IF v_device IS DISTINCT FROM p_device THEN v_id := NULL; END IF;

  IF v_id IS NOT NULL AND p_status = 'not_now' THEN
    UPDATE command_queue q SET status = 'not_now', not_now_count = q.not_now_count + 1 WHERE q.id = v_id
    RETURNING ${SHARED('q')} INTO ${COMMAND};
    IF FOUND THEN outcome := 'not_now'; END IF;
  ELSIF v_id IS NOT NULL THEN
    WITH gone AS (DELETE FROM command_queue q WHERE q.id = v_id RETURNING q.*)
${INSERT_HISTORY}
    IF FOUND THEN outcome := 'finished'; END IF;
  END IF;

${LATE_OR_DUPLICATE}
${NEXT_COMMAND}
END
$fn$`;

export class NextCommandPlan1700000000009 implements MigrationInterface {
  name = 'NextCommandPlan1700000000009';

  async up(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr) !== 'postgres') return;
    await qr.query(CREATE_NEXT);
    await qr.query(`DROP FUNCTION ${ANSWER_SIGNATURE}`);
    await qr.query(CREATE_ANSWER);
  }

  async down(qr: QueryRunner): Promise<void> {
    if (dialectOf(qr) !== 'postgres') return;
    await qr.query(`DROP FUNCTION ${ANSWER_SIGNATURE}`);
    await qr.query(CREATE_0007);
    await qr.query(`DROP FUNCTION ${NEXT_SIGNATURE}`);
  }
}
