import { AppleSchemas } from '../apple/schema';
import { AppError } from '../errors';

/**
 * The RequestType an operator meant. Apple's names are CamelCase with odd spots (ShutDownDevice,
 * AvailableOSUpdates), so case is ignored; a typo gets the nearest names as a suggestion. The names
 * come from Apple's vendored command schemas, the same list the command builder checks against.
 */
export function resolveRequestType(input: string, known: readonly string[] = new AppleSchemas().types('commands')): string {
  const exact = known.find((k) => k.toLowerCase() === input.toLowerCase());
  if (exact) return exact;
  const shown = JSON.stringify(input.slice(0, 64));
  const near = suggestions(input, known);
  if (near.length) throw new AppError('command_invalid', `unknown RequestType ${shown}; did you mean ${near.length > 1 ? `${near.slice(0, -1).join(', ')} or ${near.at(-1)}` : near[0]}?`);
  throw new AppError('command_invalid', `unknown RequestType ${shown}; known: ${known.join(', ')}`);
}

/** Up to three names within an edit distance that grows with the input, or containing it. */
export function suggestions(input: string, known: readonly string[]): string[] {
  const q = input.toLowerCase();
  const budget = Math.max(2, Math.floor(q.length / 3));
  return known
    .map((k) => {
      const name = k.toLowerCase();
      // "lock" → DeviceLock: a fragment is closer than its edit distance says.
      const d = q.length >= 4 && name.includes(q) ? 1 : editDistance(q, name);
      return { k, d };
    })
    .filter(({ d }) => d <= budget)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k))
    .slice(0, 3)
    .map(({ k }) => k);
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
