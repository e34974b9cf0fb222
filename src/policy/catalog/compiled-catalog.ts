import type { PlistDict } from '../../apple/protocol/plist';
import { canonicalJson, sha256Hex } from '../render/canonical';
import { entryContentHash, policyIdentifierPrefix, profileIdentifier } from '../render/profile-identity';
import type { RenderSettings } from '../render/profile-renderer';
import { levelOfVariable, maxLevel, type VariableLevel } from '../variables/variable-names';
import type { CatalogEntry } from './catalog-entry';
import { valueVariables } from './catalog-checks';
import type { CatalogReport } from './catalog-report';
import type { SourcedEntry } from './yaml-entries';

export interface ProfileSpec {
  identifier: string;
  /** Variables the profile uses; their level decides how often it is rendered. */
  variables: readonly string[];
  level: VariableLevel;
}

export interface CompiledApp {
  adamId: number;
  bundleId: string;
  name?: string;
  configuration?: PlistDict;
  /** Hash of the app's catalog content (adamId, bundle id, configuration); null without configuration. */
  configHash: string | null;
  variables: readonly string[];
  level: VariableLevel;
}

export interface CompiledEntry {
  index: number;
  entry: CatalogEntry;
  file: string;
  /**
   * Hash of what the entry's Apple profile is made of (id, name, description, payloads, render
   * settings): not its scope, apps or Android part, so changing who gets an entry or which apps
   * it carries does not reinstall the profile on devices that keep it. Apps have their own hash.
   */
  contentHash: string;
  /** Hash of the whole definition (scope, apps, Android included): what the catalog history records. */
  definitionHash: string;
  profile: ProfileSpec | null;
  apps: readonly CompiledApp[];
}

/** A validated catalog, ready for the matcher, the renderer and the planner. */
export interface Catalog {
  entries: readonly CompiledEntry[];
  byId: ReadonlyMap<string, CompiledEntry>;
  settings: RenderSettings;
  /** `<prefix>.slate.policy.`: the identifiers policy may remove. */
  policyPrefix: string;
  /** Hash over all definitions: equal hashes mean an apply has nothing to do. */
  hash: string;
  report: CatalogReport;
}

const levelOf = (vars: readonly string[]): VariableLevel => maxLevel(vars.map((v) => levelOfVariable(v)!));

export function compileEntries(sourced: readonly SourcedEntry[], settings: RenderSettings, profileVars: (e: CatalogEntry) => string[], report: CatalogReport): Catalog {
  const entries = sourced.map(({ entry, origin }, index): CompiledEntry => {
    const content = { id: entry.id, name: entry.name, description: entry.description, apple: entry.apple };
    const contentHash = entryContentHash({ content, identifierPrefix: settings.identifierPrefix, organization: settings.organization });
    const vars = profileVars(entry);
    return {
      index,
      entry,
      file: origin.file,
      contentHash,
      definitionHash: sha256Hex(canonicalJson({ contentHash, entry })),
      profile: entry.apple ? { identifier: profileIdentifier(settings.identifierPrefix, entry.id), variables: vars, level: levelOf(vars) } : null,
      apps: entry.appStore.map((a) => {
        const v = valueVariables(a.configuration);
        return { ...a, configHash: a.configuration ? entryContentHash({ app: a }) : null, variables: v, level: levelOf(v) };
      }),
    };
  });
  return {
    entries,
    byId: new Map(entries.map((e) => [e.entry.id, e])),
    settings,
    policyPrefix: policyIdentifierPrefix(settings.identifierPrefix),
    hash: sha256Hex(entries.map((e) => `${e.entry.id}:${e.definitionHash}`).sort().join('\n')),
    report,
  };
}
