import type { z } from 'zod';
import { formatPath, type CatalogProblem, type PathSegment, type ProblemCode } from './catalog-report';

/** Where problems of one file go: the file name and a line finder for its key paths. */
export interface ProblemSink {
  file: string;
  lineOf(path: readonly PathSegment[]): number;
  add(p: CatalogProblem): void;
}

export function problemAt(sink: ProblemSink, code: ProblemCode, path: readonly PathSegment[], message: string, entryId?: string): CatalogProblem {
  return { code, file: sink.file, line: sink.lineOf(path), key: formatPath(path), message, ...(entryId ? { entryId } : {}) };
}

/** zod issues as catalog problems, each at its key (an unknown key at that key's own line). */
export function addZodIssues(sink: ProblemSink, issues: readonly z.core.$ZodIssue[], prefix: readonly PathSegment[], entryId?: string): void {
  for (const issue of issues) {
    const base = [...prefix, ...(issue.path as PathSegment[])];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) sink.add(problemAt(sink, 'unknown_key', [...base, key], `unknown key ${JSON.stringify(key)}`, entryId));
      continue;
    }
    const missing = issue.code === 'invalid_type' && (issue as { input?: unknown }).input === undefined;
    sink.add(problemAt(sink, missing ? 'missing_key' : codeOf(issue), base, missing ? 'required' : simplify(issue), entryId));
  }
}

function codeOf(issue: z.core.$ZodIssue): ProblemCode {
  switch (issue.code) {
    case 'invalid_type':
      return 'wrong_type';
    case 'too_big':
    case 'too_small':
      return 'out_of_range';
    default:
      return 'invalid_value';
  }
}

function simplify(issue: z.core.$ZodIssue): string {
  return issue.message.replace(/^Invalid input: /, '');
}
