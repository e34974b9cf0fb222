import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box';
import type { AnswerOutcome, CommandAnswer, CommandQueueStore, CommandRecord, NextCommand } from '../db/stores';
import type { Executor, Sql } from '../db/sql';
import { AppError } from '../errors';
import type { Logger } from '../log/logger';
import { carriesSecret, describeParams, priorityOf } from './command-policy';

export type AppleCommand = { RequestType: string } & Record<string, unknown>;

/** Encodes `{CommandUUID, Command}` as the device receives it. */
export type EncodeCommand = (commandUuid: string, command: AppleCommand) => Buffer;

/** Wakes devices through APNs; called inside the enqueue transaction so queue and outbox agree. */
export interface PushWaker {
  wake(deviceIds: readonly string[], ex?: Executor): Promise<void>;
}

/** Side effects of a device's answer (inventory, device state); see command-effects.ts. */
export interface AnswerEffects {
  apply(deviceId: string, outcome: AnswerOutcome, report: DeviceReport): Promise<void>;
}

/** A decoded report from the device on the command endpoint. */
export interface DeviceReport {
  status: 'Idle' | 'Acknowledged' | 'Error' | 'CommandFormatError' | 'NotNow';
  commandUuid?: string;
  errorChain?: unknown[];
  /** The whole decoded report (responses to queries live in it). */
  body: Record<string, unknown>;
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
      queue: CommandQueueStore;
      sql: Sql;
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

  async enqueue(deviceIds: readonly string[], command: AppleCommand, opts: EnqueueOptions = {}): Promise<EnqueueResult> {
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
    const result = await this.deps.sql.transaction(async (ex) => {
      if (bulkJobId) {
        await this.deps.queue.createBulkJob({ id: bulkJobId, requestType: command.RequestType, target: opts.bulkTarget!, total: rows.length, createdBy: opts.createdBy ?? null, createdAt: now }, ex);
      }
      const r = await this.deps.queue.enqueue(rows, ex);
      const inserted = new Set(r.inserted);
      await this.deps.push.wake(rows.filter((x) => inserted.has(x.commandUuid)).map((x) => x.deviceId), ex);
      return r;
    });
    const inserted = new Set(result.inserted);
    return {
      bulkJobId,
      commands: rows.filter((r) => inserted.has(r.commandUuid)).map((r) => ({ deviceId: r.deviceId, commandUuid: r.commandUuid })),
      duplicates: result.duplicates,
    };
  }

  /**
   * One poll of the command endpoint: record what the device reports, then answer with its next
   * command (plist bytes) or null for an empty 200.
   */
  async poll(deviceId: string, report: DeviceReport, rawBody: Buffer): Promise<Buffer | null> {
    const now = this.now();
    if (report.status === 'Idle') return this.body(await this.deps.queue.next(deviceId, now, { skipNotNow: false }));
    if (!report.commandUuid) throw new AppError('bad_request', `${report.status} report without CommandUUID`);
    const answer: CommandAnswer = {
      status: ANSWER_STATUS[report.status],
      resultStatus: report.status,
      errorChain: report.errorChain ?? null,
      raw: report.status === 'NotNow' ? null : rawBody.toString('utf8'),
    };
    const uuid = report.commandUuid;
    // Answer and next command atomically (on Postgres one statement: one round trip per poll).
    const { outcome, next } = await this.deps.queue.answerAndNext(deviceId, uuid, answer, now, {
      skipNotNow: report.status === 'NotNow',
      noNextAfter: NO_NEXT_AFTER,
    });
    if (outcome.kind === 'unknown' || outcome.kind === 'duplicate') {
      // Accepted, never a 500: the device must not retry a report forever.
      this.deps.logger.warn({ deviceId, commandUuid: uuid, status: report.status, outcome: outcome.kind }, 'command report ignored');
    } else {
      await this.deps.effects.apply(deviceId, outcome, report);
    }
    return this.body(next);
  }

  private body(next: NextCommand | null): Buffer | null {
    if (!next) return null;
    return next.bodySealed ? this.deps.secrets.open('generic', next.body) : Buffer.from(next.body, 'utf8');
  }

  cancel(commandUuid: string, by: string): Promise<boolean> {
    return this.deps.queue.cancel(commandUuid, this.now(), `cancelled by ${by}`);
  }

  cancelAll(deviceId: string, reason: string, ex?: Executor): Promise<number> {
    return this.deps.queue.cancelAllForDevice(deviceId, this.now(), reason, ex);
  }

  timeline(deviceId: string, limit = 50): Promise<CommandRecord[]> {
    return this.deps.queue.timeline(deviceId, limit);
  }

  get(commandUuid: string): Promise<CommandRecord | null> {
    return this.deps.queue.get(commandUuid);
  }

  /** Sweeper: moves expired commands to the history. Returns how many. */
  expireDue(limit = 1000): Promise<number> {
    return this.deps.queue.expireDue(this.now(), limit);
  }
}
