import { normaliseEntry, type CatalogEntry, type EntryOrigin } from './catalog-entry';
import { catalogFileSchema, entrySchema, RESERVED_PAYLOAD_KEYS } from './catalog-schema';
import type { CatalogProblem, PathSegment } from './catalog-report';
import { parseYamlSource } from './yaml-source';
import { addZodIssues, problemAt, type ProblemSink } from './zod-problems';

export interface SourcedEntry {
  entry: CatalogEntry;
  origin: EntryOrigin;
}

/**
 * Entries of one catalog YAML file (`version: 1`, `entries: [...]`). Every problem is collected;
 * an entry with problems is left out so later checks do not report its consequences twice.
 */
export function entriesFromYaml(file: string, text: string, problems: CatalogProblem[]): SourcedEntry[] {
  const parsed = parseYamlSource(text);
  if ('errors' in parsed) {
    for (const e of parsed.errors) problems.push({ code: 'yaml_syntax', file, line: e.line, key: '', message: e.message });
    return [];
  }
  const { source } = parsed;
  const sink: ProblemSink = { file, lineOf: source.lineOf, add: (p) => problems.push(p) };
  const doc = catalogFileSchema.safeParse(source.value, { reportInput: true });
  if (!doc.success) {
    addZodIssues(sink, doc.error.issues, []);
    return [];
  }
  const out: SourcedEntry[] = [];
  doc.data.entries.forEach((raw, i) => {
    const prefix: PathSegment[] = ['entries', i];
    const idGuess = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : undefined;
    const before = problems.length;
    const result = entrySchema.safeParse(raw, { reportInput: true });
    if (!result.success) addZodIssues(sink, result.error.issues, prefix, idGuess);
    const payloads = (raw as { apple?: { payloads?: unknown } })?.apple?.payloads;
    if (Array.isArray(payloads)) {
      payloads.forEach((p, j) => {
        for (const key of RESERVED_PAYLOAD_KEYS) {
          if (p && typeof p === 'object' && key in p) {
            problems.push(problemAt(sink, 'reserved_key', [...prefix, 'apple', 'payloads', j, key], `${key} is set by Slate (stable per entry); remove it`, idGuess));
          }
        }
      });
    }
    if (!result.success || problems.length > before) return;
    out.push({
      entry: normaliseEntry(result.data, raw),
      origin: { file, format: 'yaml', keyPrefix: prefix, lineOf: (path) => source.lineOf([...prefix, ...path]) },
    });
  });
  return out;
}
