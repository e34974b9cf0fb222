import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { AppError } from '../errors';
import { ORG_KINDS, type OrgKind } from '../db/entities';
import type { OrgUnitUpsert } from '../db/stores';

/**
 * The organisation file (profiles/organisation.yaml): a nested tree for people to read and edit,
 * or a flat `units:` list for scripts exporting from school administration systems. Both become
 * the same ordered list of upserts, parents before children.
 */
const code = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'codes are 1-64 chars of a-z, 0-9, dot, dash, underscore');
const name = z.string().trim().min(1).max(200);
const level = z.number().int().min(1).max(13);

const gradeSchema = z.union([level, z.object({ level, name: name.optional(), classes: z.array(z.string().regex(/^[A-Za-z0-9-]{1,16}$/)).default([]) }).strict()]);
const schoolSchema = z.object({ code, name, grades: z.array(gradeSchema).default([]) }).strict();
const municipalitySchema = z.object({ code, name, schools: z.array(schoolSchema).default([]) }).strict();
const authoritySchema = z.object({ code, name, municipalities: z.array(municipalitySchema).default([]) }).strict();
const flatUnitSchema = z.object({ code, kind: z.enum(ORG_KINDS), name, parent: code.nullable().optional(), level: level.optional() }).strict();

const fileSchema = z.union([
  z.object({ version: z.literal(1), authority: authoritySchema }).strict(),
  z.object({ version: z.literal(1), units: z.array(flatUnitSchema).min(1) }).strict(),
]);

const PARENT_KIND: Record<OrgKind, OrgKind | null> = {
  authority: null,
  municipality: 'authority',
  school: 'municipality',
  grade: 'school',
  class: 'grade',
};

export const MAX_ORG_FILE_BYTES = 2 * 1024 * 1024;

export function parseOrgFile(text: string): OrgUnitUpsert[] {
  if (Buffer.byteLength(text) > MAX_ORG_FILE_BYTES) throw invalid('file is larger than 2 MiB');
  let doc: unknown;
  try {
    // Aliases are capped so a "billion laughs" document cannot blow up memory.
    doc = parseYaml(text, { maxAliasCount: 50, prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    throw invalid(`bad YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = fileSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw invalid(`${issue.path.join('.') || 'document'}: ${issue.message}`);
  }
  const units = 'authority' in parsed.data ? flattenTree(parsed.data.authority) : flattenList(parsed.data.units);
  checkDuplicates(units);
  return units;
}

/** Checks the hierarchy given the kinds of parents (from the file or the database). */
export function checkHierarchy(units: readonly OrgUnitUpsert[], kindOfExisting: (code: string) => OrgKind | undefined): void {
  const inFile = new Map(units.map((u) => [u.code, u.kind]));
  for (const u of units) {
    const want = PARENT_KIND[u.kind];
    if (u.parentCode === null) {
      if (want !== null) throw invalid(`'${u.code}' (${u.kind}) needs a parent ${want}`);
      continue;
    }
    const parentKind = inFile.get(u.parentCode) ?? kindOfExisting(u.parentCode);
    if (parentKind === undefined) throw new AppError('org_unit_unknown', `unknown parent '${u.parentCode}' of '${u.code}'`);
    if (parentKind !== want) throw invalid(`'${u.code}' (${u.kind}) cannot sit under '${u.parentCode}' (${parentKind}); expected a ${want ?? 'root'}`);
    if (u.kind === 'grade' && u.gradeLevel === null) throw invalid(`grade '${u.code}' needs a level`);
  }
}

function flattenTree(a: z.infer<typeof authoritySchema>): OrgUnitUpsert[] {
  const out: OrgUnitUpsert[] = [{ code: a.code, kind: 'authority', name: a.name, parentCode: null, gradeLevel: null }];
  for (const m of a.municipalities) {
    out.push({ code: m.code, kind: 'municipality', name: m.name, parentCode: a.code, gradeLevel: null });
    for (const s of m.schools) {
      out.push({ code: s.code, kind: 'school', name: s.name, parentCode: m.code, gradeLevel: null });
      for (const g of s.grades) {
        const spec = typeof g === 'number' ? { level: g, name: undefined, classes: [] as string[] } : g;
        const gradeCode = gradeCodeOf(s.code, spec.level);
        out.push({ code: gradeCode, kind: 'grade', name: spec.name ?? `Klassenstufe ${spec.level}`, parentCode: s.code, gradeLevel: spec.level });
        for (const c of spec.classes) {
          out.push({ code: classCodeOf(s.code, c), kind: 'class', name: `Klasse ${c}`, parentCode: gradeCode, gradeLevel: spec.level });
        }
      }
    }
  }
  return out;
}

function flattenList(list: z.infer<typeof flatUnitSchema>[]): OrgUnitUpsert[] {
  const units = list.map((u) => ({ code: u.code, kind: u.kind, name: u.name, parentCode: u.parent ?? null, gradeLevel: u.level ?? null }));
  // Parents first, whatever order the exporting script wrote them in.
  const rank = (k: OrgKind) => ORG_KINDS.indexOf(k);
  return units.sort((a, b) => rank(a.kind) - rank(b.kind));
}

function checkDuplicates(units: readonly OrgUnitUpsert[]): void {
  const seen = new Set<string>();
  for (const u of units) {
    if (seen.has(u.code)) throw invalid(`duplicate code '${u.code}'`);
    seen.add(u.code);
  }
}

/** Stable code of a grade within a school, e.g. gs-bildstock-3. */
export function gradeCodeOf(schoolCode: string, level: number): string {
  return `${schoolCode}-${level}`;
}

export function classCodeOf(schoolCode: string, className: string): string {
  return `${schoolCode}-${className.toLowerCase()}`;
}

function invalid(message: string): AppError {
  return new AppError('org_import_invalid', message);
}
