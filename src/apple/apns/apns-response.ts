/**
 * What an APNs answer means for the dispatcher. Apple, "Handling notification responses from
 * APNs": 200 delivered; 400 with a reason for malformed requests; 403 certificate problems;
 * 410 the token is no longer active; 429 too many requests for one token; 5xx server trouble.
 * Pure, so every status/reason pair is unit-tested.
 */
export type ApnsOutcome =
  | { kind: 'delivered'; apnsId: string | null }
  /** The device token is dead: mark it invalid, stop pushing until the next TokenUpdate. */
  | { kind: 'token_invalid'; status: number; reason: string }
  /** Try again later (backoff). */
  | { kind: 'retry'; status: number | null; reason: string }
  /** APNs refused our certificate: every push would fail the same way; keep the rows. */
  | { kind: 'cert_rejected'; status: number; reason: string }
  /** A request APNs will never accept (our bug or a bad topic): drop it and say so. */
  | { kind: 'dropped'; status: number; reason: string }
  /** Not sent at all, on purpose (the development push topic, development-push.ts). */
  | { kind: 'withheld'; reason: string };

const TOKEN_DEAD = new Set(['BadDeviceToken', 'Unregistered', 'ExpiredToken']);
const CERT_REASONS = new Set(['BadCertificate', 'BadCertificateEnvironment', 'ExpiredProviderToken', 'Forbidden', 'InvalidProviderToken', 'MissingProviderToken']);

export function classifyApnsResponse(status: number, body: string, apnsId: string | null = null): ApnsOutcome {
  if (status === 200) return { kind: 'delivered', apnsId };
  const reason = reasonOf(body) ?? `HTTP ${status}`;
  if (status === 410 || (status === 400 && TOKEN_DEAD.has(reason))) return { kind: 'token_invalid', status, reason };
  if (status === 403 || CERT_REASONS.has(reason)) return { kind: 'cert_rejected', status, reason };
  if (status === 429 || status >= 500) return { kind: 'retry', status, reason };
  return { kind: 'dropped', status, reason };
}

/** `{"reason":"BadDeviceToken"}`; anything else (HTML from a proxy, truncated JSON) gives null. */
function reasonOf(body: string): string | null {
  if (!body || body.length > 4096) return null;
  try {
    const parsed: unknown = JSON.parse(body);
    const reason = (parsed as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' && /^[A-Za-z]{1,64}$/.test(reason) ? reason : null;
  } catch {
    return null;
  }
}

/** Exponential backoff for a push that should be tried again: base·2^attempts, capped, with jitter. */
export function backoffMs(attempts: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.min(attempts, 30));
  return Math.round(exp * (0.8 + 0.4 * random()));
}
