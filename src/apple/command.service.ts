import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { Db, Tx } from '../db/database';
import type { AnswerOutcome, CommandAnswer, CommandQueueStore, CommandRecord, NextCommand } from '../db/stores';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { carriesSecret, describeParams, priorityOf } from './command-policy';
import type { AppleCommand, DeviceReport } from './protocol/messages';

/** Encodes `{CommandUUID, Command}` as the device receives it. */
export type EncodeCommand = (commandUuid: string, command: AppleCommand) => Buffer;

/** Wakes devices through APNs; called inside the enqueue transaction so queue and outbox agree. */
export interface PushWaker {
  wake(tx: Tx, deviceIds: readonly string[]): Promise<void>;
}

/** Side effects of a device's answer (inventory, device state); see command-effects.ts. */
export interface AnswerEffects {
  /** Request types whose answers have effects: their answers are recorded in one transaction with them. */
  readonly requestTypes: readonly string[];
  /** Applies them in the answer's transaction; a failure rolls the answer back (the device re-sends it). */
  apply(tx: Tx, deviceId: string, outcome: AnswerOutcome, report: DeviceReport): Promise<void>;
}

export interface EnqueueOptions {
  commandUuid?: string;
  createdBy?: string;
  priority?: number;
  ttlMs?: number;
  /** Describes a bulk target ("school:gs-bildstock"); a bulk job is recorded when set. */
  bulkTarget?: string;
}

export interface EnqueueResult {
  bulkJobId: string | null;
  commands: { deviceId: string; commandUuid: string }[];
  duplicates: string[];
}

const ANSWER_STATUS = {
  Acknowledged: 'acknowledged',
  Error: 'error',
  CommandFormatError: 'command_format_error',
  NotNow: 'not_now',
} as const;

/**
 * The raw answer kept in the history, for support: only an error's (the ErrorChain is also kept on
 * its own), bounded. Acknowledged answers are kept as parsed inventory or not at all: a raw
 * DeviceLocation, DeviceInformation or InstalledApplicationList answer is pupils' data Slate must
 * not hoard (location never outlives lost mode).
 */
const RAW_ERROR_LIMIT = 16 * 1024;

function keptRaw(report: DeviceReport, raw: Buffer): string | null {
  if (report.status !== 'Error' && report.status !== 'CommandFormatError') return null;
  return raw.subarray(0, RAW_ERROR_LIMIT).toString('utf8');
}

/** A device that just acknowledged an erase is wiping itself: nothing more to hand out. */
const NO_NEXT_AFTER = ['EraseDevice'] as const;

/**
 * The Apple command queue as devices and staff see it: enqueue (one device or thousands, with a
 * push in the same transaction) and the poll loop of the command endpoint (record the answer,
 * hand out the next command). See DESIGN §4.
 */
export class CommandService {
  constructor(
    private readonly deps: {
      db: Db;
      queue: CommandQueueStore;
      encode: EncodeCommand;
      secrets: SecretBox;
      push: PushWaker;
      effects: AnswerEffects;
      logger: Logger;
      commandTtlMs: number;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Queues a command for devices and wakes them, in one transaction. */
  async enqueue(deviceIds: readonly string[], command: AppleCommand, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    return this.deps.db.transaction((tx) => this.enqueueIn(tx, deviceIds, command, opts));
  }

  /** As enqueue, in the caller's transaction (with its audit line, its other writes). */
  async enqueueIn(tx: Tx, deviceIds: readonly string[], command: AppleCommand, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
    if (deviceIds.length === 0) throw new AppError('validation_failed', 'no devices to send the command to');
    if (opts.commandUuid !== undefined && deviceIds.length !== 1) throw new AppError('validation_failed', 'a CommandUUID names one command for one device');
    const now = this.now();
    const sealed = carriesSecret(command);
    const params = describeParams(command);
    const priority = opts.priority ?? priorityOf(command.RequestType);
    const expiresAt = new Date(now.getTime() + (opts.ttlMs ?? this.deps.commandTtlMs));
    const bulkJobId = opts.bulkTarget !== undefined ? randomUUID() : null;
    const rows = deviceIds.map((deviceId) => {
      const commandUuid = opts.commandUuid ?? randomUUID();
      const plist = this.deps.encode(commandUuid, command).toString('utf8');
      return {
        commandUuid, deviceId, requestType: command.RequestType, priority, params,
        body: sealed ? this.deps.secrets.seal('generic', plist) : plist, bodySealed: sealed,
        bulkJobId, createdBy: opts.createdBy ?? null, expiresAt,
      };
    });
    if (bulkJobId) {
      await this.deps.queue.createBulkJob(tx, { id: bulkJobId, requestType: command.RequestType, target: opts.bulkTarget!, total: rows.length, createdBy: opts.createdBy ?? null, createdAt: now });
    }
    const result = await this.deps.queue.enqueue(tx, rows);
    const inserted = new Set(result.inserted);
    await this.deps.push.wake(tx, rows.filter((x) => inserted.has(x.commandUuid)).map((x) => x.deviceId));
    return {
      bulkJobId,
      commands: rows.filter((r) => inserted.has(r.commandUuid)).map((r) => ({ deviceId: r.deviceId, commandUuid: r.commandUuid })),
      duplicates: result.duplicates,
    };
  }

  /**
   * One poll of the command endpoint: record what the device reports, then answer with its next
   * command (plist bytes) or null for an empty 200. An Idle poll and an answer without side effects
   * are one statement each on Postgres; an answer with side effects (inventory, lost mode, wipe) is
   * recorded in one transaction with them, so a failure leaves no half-applied answer behind and the
   * device simply reports again.
   */
  async poll(deviceId: string, report: DeviceReport, rawBody: Buffer): Promise<Buffer | null> {
    const { db, queue, effects } = this.deps;
    const now = this.now();
    if (report.status === 'Idle') return this.body(await queue.next(db, deviceId, now, { skipNotNow: false }));
    if (!report.commandUuid) throw new AppError('bad_request', `${report.status} report without CommandUUID`);
    const answer: CommandAnswer = {
      status: ANSWER_STATUS[report.status],
      resultStatus: report.status,
      errorChain: report.errorChain ?? null,
      raw: keptRaw(report, rawBody),
    };
    const uuid = report.commandUuid;
    const opts = { skipNotNow: report.status === 'NotNow', noNextAfter: NO_NEXT_AFTER };
    const quick = await queue.answerAndNext(db, deviceId, uuid, answer, now, { ...opts, deferTypes: effects.requestTypes });
    if (quick.outcome.kind !== 'deferred') return this.body(this.logged(deviceId, uuid, report, quick).next);
    return this.body(await db.transaction(async (tx) => {
      const r = this.logged(deviceId, uuid, report, await queue.answerAndNext(tx, deviceId, uuid, answer, now, opts));
      if (r.outcome.kind === 'finished' || r.outcome.kind === 'late') await effects.apply(tx, deviceId, r.outcome, report);
      return r.next;
    }));
  }

  private logged<T extends { outcome: AnswerOutcome }>(deviceId: string, commandUuid: string, report: DeviceReport, r: T): T {
    // Accepted, never a 500: the device must not retry a report forever.
    if (r.outcome.kind === 'unknown' || r.outcome.kind === 'duplicate') {
      this.deps.logger.warn({ deviceId, commandUuid, status: report.status, outcome: r.outcome.kind }, 'command report ignored');
    }
    return r;
  }

  private body(next: NextCommand | null): Buffer | null {
    if (!next) return null;
    return next.bodySealed ? this.deps.secrets.open('generic', next.body) : Buffer.from(next.body, 'utf8');
  }

  cancel(commandUuid: string, by: string): Promise<boolean> {
    return this.deps.queue.cancel(this.deps.db, commandUuid, this.now(), `cancelled by ${by}`);
  }

  timeline(deviceId: string, limit = 50): Promise<CommandRecord[]> {
    return this.deps.queue.timeline(this.deps.db, deviceId, limit);
  }

  get(commandUuid: string): Promise<CommandRecord | null> {
    return this.deps.queue.get(this.deps.db, commandUuid);
  }

  /** Sweeper: moves expired commands to the history. Returns how many. */
  expireDue(limit = 1000): Promise<number> {
    return this.deps.queue.expireDue(this.deps.db, this.now(), limit);
  }
}
