/**
 * Size limits for rendered profiles.
 *
 * Apple documents no maximum size for a configuration profile or an InstallProfile command. The
 * limits Slate enforces are its own, chosen so a profile always fits where it must travel:
 * - the command builder refuses an InstallProfile Payload over 1 MiB (src/apple/protocol/commands.ts),
 * - the signed profile adds a CMS envelope with the signing chain (a few KiB; 64 KiB headroom).
 * So an unsigned rendered profile may be at most 1 MiB − 64 KiB. Real school profiles are 1–20 KiB;
 * anything near the limit is a pasted blob, not policy.
 *
 * Where Apple's schema does state a limit, it is enforced per key (ITEM_LIMITS).
 */
export const MAX_PROFILE_BYTES = 1024 * 1024 - 64 * 1024;

export interface ItemLimit {
  payloadType: string;
  key: string;
  maxItems: number;
  source: string;
}

export const ITEM_LIMITS: readonly ItemLimit[] = [
  {
    payloadType: 'com.apple.webcontent-filter',
    key: 'DenyListURLs',
    maxItems: 500,
    source: "Apple's schema (com.apple.webcontent-filter DenyListURLs): 'Limit the number of these URLs to about 500'",
  },
];

/** Problems of one payload against ITEM_LIMITS, as [key, message]. */
export function itemLimitProblems(payload: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  for (const l of ITEM_LIMITS) {
    const v = payload[l.key];
    if (payload.PayloadType === l.payloadType && Array.isArray(v) && v.length > l.maxItems) {
      out.push([l.key, `${v.length} items; at most ${l.maxItems} (${l.source})`]);
    }
  }
  return out;
}
