import type { Executor } from '../sql';

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
  | { kind: 'unknown' };

export interface AnswerAndNextOptions {
  /** As for next(): the device just said NotNow, so leave NotNow work until its next Idle. */
  skipNotNow: boolean;
  /**
   * Request types after whose acknowledgement ('finished' with status acknowledged) no next
   * command is handed out: a device that acknowledged EraseDevice is wiping itself.
   */
  noNextAfter?: readonly string[];
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
  enqueue(commands: readonly NewCommand[], ex?: Executor): Promise<{ inserted: string[]; duplicates: string[] }>;
  /**
   * Picks the device's next command (priority, then FIFO) and marks it sent. A command sent but
   * never answered is sent again; NotNow ones are skipped when `skipNotNow` (the device just said
   * NotNow) and offered again at the next Idle.
   */
  next(deviceId: string, now: Date, opts: { skipNotNow: boolean }, ex?: Executor): Promise<NextCommand | null>;
  recordAnswer(deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date, ex?: Executor): Promise<AnswerOutcome>;
  /**
   * recordAnswer then next, atomically: the poll of a device that reports an answer. On Postgres
   * one statement (one round trip); see migration 0007.
   */
  answerAndNext(deviceId: string, commandUuid: string, answer: CommandAnswer, now: Date, opts: AnswerAndNextOptions, ex?: Executor): Promise<AnswerAndNext>;
  /** Cancels one pending command; false when it is not pending (already answered or unknown). */
  cancel(commandUuid: string, now: Date, note: string): Promise<boolean>;
  /** Cancels everything pending for a device (re-enrolment, check-out, wipe). */
  cancelAllForDevice(deviceId: string, now: Date, note: string, ex?: Executor): Promise<number>;
  /** Moves commands past their expiry to the history; returns how many. */
  expireDue(now: Date, limit: number): Promise<number>;
  /**
   * Reclaims the rows answered commands left behind (Postgres VACUUM; nothing to do on SQLite, which
   * frees pages at once). Every answer deletes a queue row, and until they are vacuumed each
   * next-command lookup walks past the dead index entries.
   */
  reclaim(): Promise<void>;
  markPushed(deviceIds: readonly string[], at: Date, ex?: Executor): Promise<void>;
  get(commandUuid: string): Promise<CommandRecord | null>;
  /** Newest first: pending and finished together. */
  timeline(deviceId: string, limit: number): Promise<CommandRecord[]>;
  pendingCount(deviceId: string): Promise<number>;
  createBulkJob(job: { id: string; requestType: string; target: string; total: number; createdBy: string | null; createdAt: Date }, ex?: Executor): Promise<void>;
  bulkProgress(id: string): Promise<BulkProgress | null>;
}
