import type { Atomic, Db, Queryable, Tx } from '../database';

/** Where a command stands (DESIGN §4). The first three are pending; the rest are final. */
export const PENDING_STATUSES = ['queued', 'sent', 'not_now'] as const;
export const FINAL_STATUSES = ['acknowledged', 'error', 'command_format_error', 'cancelled', 'expired'] as const;
export type PendingStatus = (typeof PENDING_STATUSES)[number];
export type FinalStatus = (typeof FINAL_STATUSES)[number];
export type CommandStatus = PendingStatus | FinalStatus;

/** Priorities: lock, lost mode and wipe jump the queue; inventory waits behind configuration. */
export const PRIORITY = { urgent: 100, normal: 0, background: -10 } as const;

export interface NewCommand {
  commandUuid: string;
  deviceId: string;
  requestType: string;
  priority: number;
  /** What was asked, for people (never secrets: those live only in the sealed body). */
  params: Record<string, unknown> | null;
  /** The complete command as the device receives it (plist), sealed when it carries a secret. */
  body: string;
  bodySealed: boolean;
  bulkJobId?: string | null;
  createdBy?: string | null;
  expiresAt?: Date | null;
}

export interface CommandRecord {
  id: number;
  commandUuid: string;
  deviceId: string;
  requestType: string;
  priority: number;
  status: CommandStatus;
  params: Record<string, unknown> | null;
  notNowCount: number;
  attempts: number;
  bulkJobId: string | null;
  createdBy: string | null;
  enqueuedAt: Date;
  pushedAt: Date | null;
  sentAt: Date | null;
  expiresAt: Date | null;
  finishedAt: Date | null;
  /** The device's own Status string (Acknowledged, Error, CommandFormatError). */
  resultStatus: string | null;
  errorChain: unknown[] | null;
  note: string | null;
}

export interface NextCommand {
  id: number;
  commandUuid: string;
  requestType: string;
  body: string;
  bodySealed: boolean;
}

export interface CommandAnswer {
  /** Final status to record, or not_now. */
  status: 'acknowledged' | 'error' | 'command_format_error' | 'not_now';
  resultStatus: string;
  errorChain: unknown[] | null;
  /** The raw report as received (kept for support; may be large). */
  raw: string | null;
}

export type AnswerOutcome =
  | { kind: 'finished'; command: CommandRecord }
  | { kind: 'not_now'; command: CommandRecord }
  /** An answer for a command already cancelled or expired: recorded, status kept. */
  | { kind: 'late'; command: CommandRecord }
  /** A repeated report: nothing changes. */
  | { kind: 'duplicate'; command: CommandRecord }
  /**
   * Nothing recorded: the command is pending and of a type in `deferTypes`, so its answer must be
   * recorded together with its side effects in one transaction (the caller opens it and asks again).
   */
  | { kind: 'deferred'; requestType: string }
  | { kind: 'unknown' };

export interface AnswerAndNextOptions {
  /** As for next(): the device just said NotNow, so leave NotNow work until its next Idle. */
  skipNotNow: boolean;
  /**
   * Request types after whose acknowledgement ('finished' with status acknowledged) no next
   * command is handed out: a device that acknowledged EraseDevice is wiping itself.
   */
  noNextAfter?: readonly string[];
  /** Request types whose answers are not recorded here but reported 'deferred' (see AnswerOutcome). */
  deferTypes?: readonly string[];
}

export interface AnswerAndNext {
  outcome: AnswerOutcome;
  next: NextCommand | null;
}

export interface BulkProgress {
  id: string;
  requestType: string;
  target: string;
  total: number;
  createdAt: Date;
  byStatus: Partial<Record<CommandStatus, number>>;
}

export interface CommandQueueStore {
  /** Idempotent by CommandUUID: a UUID already queued or finished is reported as duplicate, not added. */
  enqueue(tx: Tx, commands: readonly NewCommand[]): Promise<{ inserted: string[]; duplicates: string[] }>;
  /**
   * Picks the device's next command (priority, then FIFO) and marks it sent, in one statement. A
   * command sent but never answered is sent again; NotNow ones are skipped when `skipNotNow` (the
   * device just said NotNow) and offered again at the next Idle.
   */
  next(w: Atomic, deviceId: string, now: Date, opts: { skipNotNow: boolean }): Promise<NextCommand | null>;
  recordAnswer(tx: Tx, deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date): Promise<AnswerOutcome>;
  /**
   * recordAnswer then next, atomically: the poll of a device that reports an answer. On Postgres
   * one statement (one round trip); see migration 0010.
   */
  answerAndNext(w: Atomic, deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date, opts: AnswerAndNextOptions): Promise<AnswerAndNext>;
  /** Cancels one pending command; false when it is not pending (already answered or unknown). */
  cancel(w: Atomic, commandUuid: string, now: Date, note: string): Promise<boolean>;
  /** Cancels everything pending for a device (re-enrolment, check-out, wipe). */
  cancelAllForDevice(tx: Tx, deviceId: string, now: Date, note: string): Promise<number>;
  /** Moves commands past their expiry to the history; returns how many. */
  expireDue(db: Db, now: Date, limit: number): Promise<number>;
  /** Retention: deletes history older than `before`; returns how many. */
  pruneHistory(w: Atomic, before: Date, limit: number): Promise<number>;
  /**
   * Reclaims the rows answered commands left behind (Postgres VACUUM; nothing to do on SQLite, which
   * frees pages at once). Every answer deletes a queue row, and until they are vacuumed each
   * next-command lookup walks past the dead index entries.
   */
  reclaim(db: Db): Promise<void>;
  markPushed(w: Atomic, deviceIds: readonly string[], at: Date): Promise<void>;
  get(q: Queryable, commandUuid: string): Promise<CommandRecord | null>;
  /** Newest first: pending and finished together. */
  timeline(q: Queryable, deviceId: string, limit: number): Promise<CommandRecord[]>;
  pendingCount(q: Queryable, deviceId: string): Promise<number>;
  createBulkJob(tx: Tx, job: { id: string; requestType: string; target: string; total: number; createdBy: string | null; createdAt: Date }): Promise<void>;
  bulkProgress(q: Queryable, id: string): Promise<BulkProgress | null>;
}
