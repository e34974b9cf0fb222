import type { PlistDict } from '../../apple/protocol/plist';
import type { PathSegment } from './catalog-report';
import type { EntryInput, ScopeInput } from './catalog-schema';

export interface ScopeSelector {
  all: boolean;
  municipalities: readonly string[];
  schools: readonly string[];
  grades: readonly string[];
  gradeLevels: readonly number[];
  classes: readonly string[];
}

/** Devices matching any include selector and no exclude selector. */
export interface Scope {
  include: ScopeSelector;
  exclude: ScopeSelector;
}

export interface AppStoreApp {
  adamId: number;
  bundleId: string;
  name?: string;
  configuration?: PlistDict;
}

export interface GooglePlayApp {
  packageName: string;
  name?: string;
  managedConfiguration?: Record<string, unknown>;
}

export interface ApplePart {
  /** Payload dicts as written (PayloadType + Apple's keys); Slate adds identifiers when rendering. */
  payloads: PlistDict[];
  removalDisallowed: boolean;
  supervisedOnly: boolean;
  organization?: string;
}

/** One validated catalog entry: what it configures and for whom. */
export interface CatalogEntry {
  id: string;
  name: string;
  description?: string;
  scope: Scope;
  apple?: ApplePart;
  android?: { policy: Record<string, unknown> };
  appStore: AppStoreApp[];
  googlePlay: GooglePlayApp[];
}

/** Where an entry came from, to name file, line and key in problems. */
export interface EntryOrigin {
  file: string;
  format: 'yaml' | 'mobileconfig';
  /** Line of a path inside the entry (as written in the catalog format). */
  lineOf(path: readonly PathSegment[]): number;
  /** The file holding a path when it is not `file` (a .mobileconfig's scope is in its sidecar). */
  fileOf?(path: readonly PathSegment[]): string;
  /** Prefix of the entry's key paths in its file, e.g. `entries[2]`. */
  keyPrefix: readonly PathSegment[];
}

export function normaliseScope(s: ScopeInput): Scope {
  return { include: selector(s.include), exclude: selector(s.exclude ?? {}) };
}

function selector(s: Partial<Record<keyof ScopeSelector, unknown>>): ScopeSelector {
  const list = <T>(v: unknown) => ((v as T[] | undefined) ?? []).slice();
  return {
    all: s.all === true,
    municipalities: list<string>(s.municipalities),
    schools: list<string>(s.schools),
    grades: list<string>(s.grades),
    gradeLevels: list<number>(s.gradeLevels),
    classes: list<string>(s.classes),
  };
}

/**
 * `raw` is the same entry before zod: payload and configuration dicts are taken from it, because
 * zod copies objects by assignment and a key such as `__proto__` must stay plain data.
 */
export function normaliseEntry(e: EntryInput, raw: unknown): CatalogEntry {
  const r = raw as { apple?: { payloads?: PlistDict[] }; apps?: { appStore?: { configuration?: PlistDict }[] } };
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    scope: normaliseScope(e.scope),
    apple: e.apple && {
      payloads: r.apple!.payloads!,
      removalDisallowed: e.apple.removalDisallowed,
      supervisedOnly: e.apple.supervisedOnly,
      organization: e.apple.organization,
    },
    android: e.android && { policy: e.android.policy },
    appStore: (e.apps?.appStore ?? []).map((a, i) => ({ ...a, configuration: r.apps!.appStore![i]!.configuration })),
    googlePlay: e.apps?.googlePlay ?? [],
  };
}
