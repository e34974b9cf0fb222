import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppleSchemas } from '../../apple/schema';
import type { OrgIndex } from '../org/org-index';
import type { RenderSettings } from '../render/profile-renderer';
import { canonicalJson } from '../render/canonical';
import { ScopeMatcher } from '../scope/scope-matcher';
import { appleIssues, isSinglePayloadType, type EntryIssue } from './apple-checks';
import { compileEntries, type Catalog } from './compiled-catalog';
import { profileVariables, scopeIssues, variableIssues } from './catalog-checks';
import { formatPath, sortProblems, type CatalogProblem, type CatalogReport } from './catalog-report';
import { entryFromMobileconfig } from './mobileconfig-entries';
import { entriesFromYaml, type SourcedEntry } from './yaml-entries';
import { collectVariables } from '../variables/template';
import { levelOfVariable } from '../variables/variable-names';

export interface CatalogSource {
  /** Shown in problems, e.g. `catalog/restrictions.yaml`. */
  path: string;
  bytes: Buffer;
}

export interface LoadOptions {
  org: OrgIndex;
  schemas: AppleSchemas;
  /** Only names are needed to validate; values are read when rendering. */
  secrets: { has(name: string): boolean };
  settings: RenderSettings;
}

export interface LoadResult {
  /** Null when anything is invalid: a catalog is applied whole or not at all. */
  catalog: Catalog | null;
  report: CatalogReport;
}

/** The files of a catalog directory (`profiles/catalog`), named relative to `label`. */
export function readCatalogDir(dir: string, label = 'catalog'): CatalogSource[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isFile() && /\.(ya?ml|mobileconfig)$/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => ({ path: `${label}/${name}`, bytes: readFileSync(join(dir, name)) }));
}

/**
 * Loads and validates a whole catalog. Every problem of every file lands in one report; the
 * catalog is returned only when there are no errors (warnings do not block).
 */
export function loadCatalog(sources: readonly CatalogSource[], opts: LoadOptions): LoadResult {
  const problems: CatalogProblem[] = [];
  const sourced = readSources(sources, problems);
  const warnings: CatalogProblem[] = [];
  const report = (issue: EntryIssue, s: SourcedEntry) => {
    const p: CatalogProblem = { code: issue.code, file: s.origin.fileOf?.(issue.path) ?? s.origin.file, line: s.origin.lineOf(issue.path), key: formatPath([...s.origin.keyPrefix, ...issue.path]), message: issue.message, entryId: s.entry.id };
    (issue.warning ? warnings : problems).push(p);
  };
  for (const { name } of collectVariables(opts.settings.organization).uses) {
    const level = levelOfVariable(name);
    if (level === undefined || level === 'device') problems.push({ code: 'unknown_variable', file: '(settings)', line: 1, key: 'organization', message: `{{${name}}} cannot be used in the default organisation` });
  }
  const firstById = new Map<string, SourcedEntry>();
  for (const s of sourced) {
    const first = firstById.get(s.entry.id);
    if (first) report({ code: 'duplicate_id', path: ['id'], message: `id ${s.entry.id} is already used in ${first.origin.file}:${first.origin.lineOf(['id'])}` }, s);
    else firstById.set(s.entry.id, s);
    for (const issue of [...scopeIssues(s.entry, opts.org), ...variableIssues(s.entry, opts.secrets), ...appleIssues(s.entry, opts.settings, opts.schemas)]) report(issue, s);
  }
  for (const [issue, s] of [...appConflicts(sourced), ...overlapConflicts(sourced, opts)]) report(issue, s);
  const result: CatalogReport = { errors: sortProblems(problems), warnings: sortProblems(warnings) };
  if (result.errors.length) return { catalog: null, report: result };
  return { catalog: compileEntries(sourced, opts.settings, (e) => profileVariables(e, opts.settings.organization), result), report: result };
}

function readSources(sources: readonly CatalogSource[], problems: CatalogProblem[]): SourcedEntry[] {
  const byPath = new Map(sources.map((s) => [s.path, s]));
  const out: SourcedEntry[] = [];
  for (const s of sources) {
    if (s.path.endsWith('.scope.yaml')) {
      const twin = s.path.replace(/\.scope\.yaml$/, '.mobileconfig');
      if (!byPath.has(twin)) problems.push({ code: 'unreadable', file: s.path, line: 1, key: '', message: `sidecar without ${twin}` });
      continue;
    }
    if (s.path.endsWith('.mobileconfig')) {
      const sidecar = byPath.get(s.path.replace(/\.mobileconfig$/, '.scope.yaml'));
      const e = entryFromMobileconfig(s.path, s.bytes, sidecar && { file: sidecar.path, text: sidecar.bytes.toString('utf8') }, problems);
      if (e) out.push(e);
      continue;
    }
    out.push(...entriesFromYaml(s.path, s.bytes.toString('utf8'), problems));
  }
  return out;
}

/** One bundle id, one App Store app and one configuration across the catalog. */
function appConflicts(sourced: readonly SourcedEntry[]): [EntryIssue, SourcedEntry][] {
  const first = new Map<string, { s: SourcedEntry; adamId: number; config: string }>();
  const out: [EntryIssue, SourcedEntry][] = [];
  for (const s of sourced) {
    s.entry.appStore.forEach((a, i) => {
      const config = canonicalJson(a.configuration ?? null);
      const seen = first.get(a.bundleId);
      if (!seen) return void first.set(a.bundleId, { s, adamId: a.adamId, config });
      if (seen.adamId !== a.adamId) out.push([{ code: 'conflict', path: ['apps', 'appStore', i, 'adamId'], message: `${a.bundleId} is adamId ${seen.adamId} in entry ${seen.s.entry.id}` }, s]);
      else if (seen.config !== config) out.push([{ code: 'conflict', path: ['apps', 'appStore', i, 'configuration'], message: `${a.bundleId} is configured differently in entry ${seen.s.entry.id}; give the configuration in one entry` }, s]);
    });
  }
  return out;
}

/** Two entries carrying a once-per-device payload type must never meet on one device. */
function overlapConflicts(sourced: readonly SourcedEntry[], opts: LoadOptions): [EntryIssue, SourcedEntry][] {
  const byType = new Map<string, number[]>();
  sourced.forEach((s, i) => {
    for (const p of s.entry.apple?.payloads ?? []) {
      const type = String(p.PayloadType);
      if (!isSinglePayloadType(opts.schemas, type)) continue;
      const list = byType.get(type) ?? [];
      if (!list.includes(i)) list.push(i);
      byType.set(type, list);
    }
  });
  const out: [EntryIssue, SourcedEntry][] = [];
  const matcher = new ScopeMatcher(sourced.map((s) => s.entry.scope), opts.org);
  const units = [...opts.org.units()].filter((u) => u.kind === 'school' || u.kind === 'grade' || u.kind === 'class');
  for (const [type, entries] of byType) {
    if (entries.length < 2) continue;
    const reported = new Set<number>();
    for (const unit of units) {
      const here = matcher.entriesFor(unit.id).filter((i) => entries.includes(i));
      for (const i of here.slice(1)) {
        if (reported.has(i)) continue;
        reported.add(i);
        const s = sourced[i]!;
        const other = sourced[here[0]!]!.entry.id;
        const payload = s.entry.apple!.payloads.findIndex((p) => p.PayloadType === type);
        out.push([{ code: 'conflict', path: ['apple', 'payloads', payload, 'PayloadType'], message: `devices in ${unit.code} would get ${type} from ${other} and from this entry; a device accepts one` }, s]);
      }
    }
  }
  return out;
}
