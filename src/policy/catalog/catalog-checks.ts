import type { OrgKind } from '../../db/entities';
import type { OrgIndex } from '../org/org-index';
import { collectVariables } from '../variables/template';
import { levelOfVariable, secretNameOf } from '../variables/variable-names';
import type { CatalogEntry, ScopeSelector } from './catalog-entry';
import type { PathSegment } from './catalog-report';
import type { EntryIssue } from './apple-checks';

const SELECTOR_KINDS: [keyof ScopeSelector, OrgKind][] = [
  ['municipalities', 'municipality'],
  ['schools', 'school'],
  ['grades', 'grade'],
  ['classes', 'class'],
];

/** Scope codes must name units of the right kind in the organisation tree. */
export function scopeIssues(entry: CatalogEntry, org: OrgIndex): EntryIssue[] {
  const issues: EntryIssue[] = [];
  const levels = new Set<number>();
  for (const u of org.units()) if (u.kind === 'grade' && u.gradeLevel !== null) levels.add(u.gradeLevel);
  for (const side of ['include', 'exclude'] as const) {
    const sel = entry.scope[side];
    for (const [field, kind] of SELECTOR_KINDS) {
      (sel[field] as readonly string[]).forEach((code, i) => {
        const unit = org.byCode(code);
        const path: PathSegment[] = ['scope', side, field, i];
        if (!unit) issues.push({ code: 'unknown_scope_code', path, message: `no ${kind} with code ${JSON.stringify(code)} in the organisation tree` });
        else if (unit.kind !== kind) issues.push({ code: 'unknown_scope_code', path, message: `${code} is a ${unit.kind}, not a ${kind}` });
      });
    }
    sel.gradeLevels.forEach((level, i) => {
      if (!levels.has(level)) issues.push({ code: 'unknown_scope_code', path: ['scope', side, 'gradeLevels', i], message: `no school has grade level ${level}`, warning: true });
    });
  }
  return issues;
}

/** Parts of an entry that may hold variables, with their paths in the catalog format. */
function templated(entry: CatalogEntry): [PathSegment[], unknown][] {
  const parts: [PathSegment[], unknown][] = [
    [['name'], entry.name],
    [['description'], entry.description],
  ];
  if (entry.apple) {
    parts.push([['apple', 'organization'], entry.apple.organization], [['apple', 'payloads'], entry.apple.payloads]);
  }
  entry.appStore.forEach((a, i) => parts.push([['apps', 'appStore', i, 'configuration'], a.configuration]));
  entry.googlePlay.forEach((a, i) => parts.push([['apps', 'googlePlay', i, 'managedConfiguration'], a.managedConfiguration]));
  if (entry.android) parts.push([['android', 'policy'], entry.android.policy]);
  return parts;
}

/** Unknown or malformed variables, and secrets configuration does not have. */
export function variableIssues(entry: CatalogEntry, secrets: { has(name: string): boolean }): EntryIssue[] {
  const issues: EntryIssue[] = [];
  for (const [base, value] of templated(entry)) {
    const { uses, malformed } = collectVariables(value, base);
    for (const m of malformed) issues.push({ code: 'unknown_variable', path: m.path, message: m.name });
    for (const u of uses) {
      const secret = secretNameOf(u.name);
      if (levelOfVariable(u.name) === undefined) issues.push({ code: 'unknown_variable', path: u.path, message: `unknown variable {{${u.name}}}` });
      else if (secret !== undefined && !secrets.has(secret)) issues.push({ code: 'unknown_secret', path: u.path, message: `secret ${secret} is not configured (POLICY_SECRET_${secret}_FILE)` });
    }
  }
  return issues;
}

/** Variable names an entry's profile uses (name, description, organization, payloads). */
export function profileVariables(entry: CatalogEntry, organization: string): string[] {
  if (!entry.apple) return [];
  const parts = [entry.name, entry.description, entry.apple.organization ?? organization, entry.apple.payloads];
  return [...new Set(parts.flatMap((p) => collectVariables(p).uses.map((u) => u.name)))].sort();
}

export function valueVariables(value: unknown): string[] {
  return [...new Set(collectVariables(value).uses.map((u) => u.name))].sort();
}
