import { readFileSync } from 'node:fs';
import { checkHierarchy, parseOrgFile } from '../../../src/fleet/org-file';

const example = readFileSync('profiles/organisation.yaml', 'utf8');
const err = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e as { code: string; message: string };
  }
  throw new Error('expected an error');
};

describe('organisation file', () => {
  it('parses the shipped example: 6 municipalities, 13 schools, grades 3 and 4', () => {
    const units = parseOrgFile(example);
    const count = (k: string) => units.filter((u) => u.kind === k).length;
    expect(count('authority')).toBe(1);
    expect(count('municipality')).toBe(6);
    expect(count('school')).toBe(13);
    expect(count('grade')).toBe(26);
    const puettlingen = units.filter((u) => u.kind === 'school' && u.parentCode === 'puettlingen');
    expect(puettlingen).toHaveLength(3);
    expect(units.find((u) => u.code === 'gs-bildstock-3')).toMatchObject({ kind: 'grade', parentCode: 'gs-bildstock', gradeLevel: 3 });
    expect(() => checkHierarchy(units, () => undefined)).not.toThrow();
  });

  it('expands classes under grades', () => {
    const units = parseOrgFile(`version: 1
authority: { code: a, name: A, municipalities: [{ code: m, name: M, schools: [{ code: s, name: S, grades: [{ level: 3, classes: [3a, 3B] }, 4] }] }] }`);
    expect(units.filter((u) => u.kind === 'class').map((u) => [u.code, u.parentCode])).toEqual([['s-3a', 's-3'], ['s-3b', 's-3']]);
  });

  it('accepts a flat list in any order and sorts parents first', () => {
    const units = parseOrgFile(`version: 1
units:
  - { code: s9, kind: school, name: S9, parent: m9 }
  - { code: m9, kind: municipality, name: M9, parent: a }
`);
    expect(units.map((u) => u.code)).toEqual(['m9', 's9']);
    expect(() => checkHierarchy(units, (c) => (c === 'a' ? 'authority' : undefined))).not.toThrow();
    expect(err(() => checkHierarchy(units, () => undefined))).toMatchObject({ code: 'org_unit_unknown', message: "unknown parent 'a' of 'm9'" });
  });

  it('rejects duplicates, bad YAML, bad codes, wrong nesting and unknown keys', () => {
    expect(err(() => parseOrgFile(example.replace('gs-holz', 'gs-heusweiler')))).toMatchObject({ code: 'org_import_invalid', message: expect.stringContaining("duplicate code 'gs-heusweiler'") });
    expect(err(() => parseOrgFile('version: 1\nauthority: [unclosed'))).toMatchObject({ code: 'org_import_invalid', message: expect.stringMatching(/^bad YAML/) });
    expect(err(() => parseOrgFile('version: 1\nauthority: {code: "Bad Code", name: x}')).message).toMatch(/authority\.code/);
    expect(err(() => parseOrgFile('version: 2\nauthority: {code: a, name: x}')).code).toBe('org_import_invalid');
    expect(err(() => parseOrgFile('version: 1\nauthority: {code: a, name: x, colour: red}')).code).toBe('org_import_invalid');
    expect(err(() => parseOrgFile('version: 1\nauthority: {code: a, name: x}\nauthority: {code: b, name: y}')).message).toMatch(/^bad YAML/);
    const flat = parseOrgFile('version: 1\nunits: [{ code: g, kind: grade, name: G, parent: m, level: 3 }, { code: m, kind: municipality, name: M, parent: a }]');
    expect(err(() => checkHierarchy(flat, (c) => (c === 'a' ? 'authority' : undefined))).message).toMatch(/cannot sit under 'm' \(municipality\)/);
  });

  it('refuses alias bombs and oversized files', () => {
    const bomb = ['version: 1', 'a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 0; i < 60; i++) bomb.push(`b${i}: [*a, *a, *a, *a, *a, *a, *a, *a]`);
    expect(err(() => parseOrgFile(bomb.join('\n'))).code).toBe('org_import_invalid');
    expect(err(() => parseOrgFile('#'.repeat(3 * 1024 * 1024))).message).toMatch(/larger than 2 MiB/);
  });
});
