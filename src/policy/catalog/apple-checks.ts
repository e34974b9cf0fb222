import { profileProblems, type AppleSchemas } from '../../apple/schema';
import { encodePlist } from '../../apple/protocol/plist';
import { buildProfile, type RenderSettings } from '../render/profile-renderer';
import { itemLimitProblems, MAX_PROFILE_BYTES } from '../render/profile-limits';
import type { CatalogEntry } from './catalog-entry';
import type { PathSegment, ProblemCode } from './catalog-report';
import { supervisedOnlyUses } from './supervised-keys';

export interface EntryIssue {
  code: ProblemCode;
  path: PathSegment[];
  message: string;
  warning?: boolean;
}

/** Payload types a policy profile must not carry: they belong to the enrolment profile. */
const ENROLMENT_ONLY = new Set(['com.apple.mdm', 'com.apple.security.scep']);

/**
 * An entry's Apple payloads against Apple's schemas: the template profile (variables left as
 * `{{name}}` text, which keeps every value's type) goes through `profileProblems`, and each
 * problem is mapped back from `PayloadContent[i](type).Key` to the entry's `apple.payloads[i].Key`.
 * Also: unknown payload types, Apple's documented item limits, the profile size limit, payload
 * types Apple allows once per device, and supervised-only keys (warnings unless the entry is
 * declared `supervisedOnly`).
 */
export function appleIssues(entry: CatalogEntry, settings: RenderSettings, schemas: AppleSchemas): EntryIssue[] {
  const apple = entry.apple;
  if (!apple) return [];
  const issues: EntryIssue[] = [];
  const known: number[] = [];
  apple.payloads.forEach((p, i) => {
    const type = String(p.PayloadType);
    const path: PathSegment[] = ['apple', 'payloads', i, 'PayloadType'];
    if (ENROLMENT_ONLY.has(type)) issues.push({ code: 'invalid_value', path, message: `${type} belongs to the enrolment profile, not to policy` });
    else if (!schemas.profilePayload(type) || type === 'TopLevel' || type === 'CommonPayloadKeys') issues.push({ code: 'unknown_payload_type', path, message: `no Apple schema for PayloadType ${type} (vendor it into vendor/apple-device-management/mdm/profiles/)` });
    else known.push(i);
  });
  const template = buildProfile({ ...entry, apple: { ...apple, payloads: known.map((i) => apple.payloads[i]!) } }, settings, 'template.slate.policy.x', '00000000-0000-0000-0000-000000000000', null);
  for (const problem of profileProblems(schemas, template)) issues.push(mapProblem(problem, known));
  known.forEach((i) => {
    const p = apple.payloads[i]!;
    for (const [key, message] of itemLimitProblems(p)) issues.push({ code: 'too_large', path: ['apple', 'payloads', i, key], message });
    if (!apple.supervisedOnly) {
      for (const use of supervisedOnlyUses(schemas, p)) {
        issues.push({ code: 'supervised_only', path: ['apple', 'payloads', i, ...use.path], message: `${use.what}; unsupervised iPads ignore it (declare apple.supervisedOnly: true if this entry is for supervised iPads only)`, warning: true });
      }
    }
  });
  issues.push(...onceOnlyIssues(apple.payloads, schemas));
  const bytes = encodePlist(template).length;
  if (bytes > MAX_PROFILE_BYTES) {
    const sizes = apple.payloads.map((p) => encodePlist(p).length);
    const largest = sizes.indexOf(Math.max(...sizes));
    issues.push({ code: 'too_large', path: ['apple', 'payloads', largest], message: `the profile is ${bytes} bytes; the limit is ${MAX_PROFILE_BYTES} (1 MiB InstallProfile cap minus room for the signature)` });
  }
  return issues;
}

/** `multiple: false` in Apple's schema: a device takes one payload of that type in all. */
export function isSinglePayloadType(schemas: AppleSchemas, type: string): boolean {
  const os = (schemas.profilePayload(type)?.payload as { supportedOS?: { iOS?: { multiple?: boolean } } } | undefined)?.supportedOS;
  return os?.iOS?.multiple === false;
}

function onceOnlyIssues(payloads: readonly Record<string, unknown>[], schemas: AppleSchemas): EntryIssue[] {
  const seen = new Map<string, number>();
  const out: EntryIssue[] = [];
  payloads.forEach((p, i) => {
    const type = String(p.PayloadType);
    if (!isSinglePayloadType(schemas, type)) return;
    if (seen.has(type)) out.push({ code: 'conflict', path: ['apple', 'payloads', i, 'PayloadType'], message: `a device accepts one ${type} payload; payload ${seen.get(type)} already is one` });
    else seen.set(type, i);
  });
  return out;
}

const TOP_LEVEL_PATHS: Record<string, PathSegment[]> = {
  PayloadDisplayName: ['name'],
  PayloadDescription: ['description'],
  PayloadOrganization: ['apple', 'organization'],
};

/** `PayloadContent[2](com.apple.x).Key.Sub[1]: message` → an issue at apple.payloads[i].Key.Sub[1]. */
function mapProblem(problem: string, known: readonly number[]): EntryIssue {
  const split = problem.indexOf(': ');
  const where = split < 0 ? '' : problem.slice(0, split);
  const message = split < 0 ? problem : problem.slice(split + 2);
  const m = /^PayloadContent\[(\d+)\]\([^)]*\)\.?(.*)$/.exec(where);
  const path: PathSegment[] = m ? ['apple', 'payloads', known[Number(m[1])]!, ...keyPath(m[2]!)] : (TOP_LEVEL_PATHS[where] ?? ['apple']);
  return { code: codeOf(message), path, message };
}

function keyPath(s: string): PathSegment[] {
  const out: PathSegment[] = [];
  for (const part of s.split('.')) {
    if (!part) continue;
    const m = /^(.*?)((?:\[\d+\])*)$/.exec(part)!;
    if (m[1]) out.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(idx[1]));
  }
  return out;
}

function codeOf(message: string): ProblemCode {
  if (message === 'required') return 'missing_key';
  if (message.startsWith('expected ') || message.startsWith('matches none')) return 'wrong_type';
  if (message.startsWith('below ') || message.startsWith('above ')) return 'out_of_range';
  if (message.includes('is not one of')) return 'out_of_range';
  if (message.includes('not a key Apple defines')) return 'unknown_key';
  return 'invalid_value';
}
