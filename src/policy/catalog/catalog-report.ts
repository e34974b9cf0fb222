/**
 * One report for everything wrong with a catalog: every problem names the file, the line and the
 * key path, so staff can fix all of them in one pass. Codes are stable (tests and the admin API
 * branch on them); messages are for people.
 */
export type ProblemCode =
  | 'yaml_syntax'
  | 'plist_syntax'
  | 'missing_key'
  | 'wrong_type'
  | 'out_of_range'
  | 'unknown_key'
  | 'invalid_value'
  | 'reserved_key'
  | 'unknown_payload_type'
  | 'unknown_scope_code'
  | 'duplicate_id'
  | 'unknown_variable'
  | 'unknown_secret'
  | 'too_large'
  | 'supervised_only'
  | 'conflict'
  | 'unreadable';

export interface CatalogProblem {
  code: ProblemCode;
  /** Path relative to the catalog directory, e.g. `catalog/restrictions.yaml`. */
  file: string;
  /** 1-based; the line of the key (or of its nearest enclosing node when the key is missing). */
  line: number;
  /** Dotted key path inside the file, e.g. `entries[0].apple.payloads[1].allowAppInstallation`. */
  key: string;
  message: string;
  entryId?: string;
}

export interface CatalogReport {
  errors: CatalogProblem[];
  warnings: CatalogProblem[];
}

export type PathSegment = string | number;

export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/** `file:line key: message`, one line per problem, as the CLI prints it. */
export function formatProblem(p: CatalogProblem): string {
  return `${p.file}:${p.line} ${p.key || '(file)'}: ${p.message} [${p.code}]`;
}

export function formatReport(report: CatalogReport): string {
  const lines = [...report.errors.map((p) => `error   ${formatProblem(p)}`), ...report.warnings.map((p) => `warning ${formatProblem(p)}`)];
  return lines.join('\n');
}

/** Stable order (file, line, key) so two runs over the same catalog print the same report. */
export function sortProblems(problems: CatalogProblem[]): CatalogProblem[] {
  return problems.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.key.localeCompare(b.key) || a.message.localeCompare(b.message));
}
