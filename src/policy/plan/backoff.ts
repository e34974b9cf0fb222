import type { ActionKind, PolicyFailure } from './device-state';

/**
 * When to try a refused policy command again. A device that rejects a profile keeps rejecting it
 * until something changes (the catalog, the device), so retrying at every check-in would be a
 * tight loop of identical errors: the delay doubles from 15 minutes up to a day, and from the
 * third refusal of the same version staff get an alert. A new version of the item starts afresh.
 */
export interface BackoffPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  alertAfter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { firstDelayMs: 15 * 60_000, maxDelayMs: 24 * 3_600_000, alertAfter: 3 };

export interface FailureUpdate extends PolicyFailure {
  /** True when this refusal should raise a visible alert (once, when the threshold is reached). */
  alert: boolean;
}

export function recordFailure(
  previous: PolicyFailure | undefined,
  refused: { kind: ActionKind; target: string; version?: string | null; reason: string },
  now: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
): FailureUpdate {
  const same = previous !== undefined && previous.kind === refused.kind && previous.target === refused.target && (previous.version ?? null) === (refused.version ?? null);
  const attempts = same ? previous.attempts + 1 : 1;
  const delay = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** Math.min(attempts - 1, 30));
  return { kind: refused.kind, target: refused.target, version: refused.version ?? null, attempts, retryAt: now + delay, reason: refused.reason, alert: attempts === policy.alertAfter };
}
