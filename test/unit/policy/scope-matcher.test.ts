import { parseOrgFile } from '../../../src/fleet/org-file';
import { OrgIndex, ScopeMatcher, type Scope } from '../../../src/policy';
import { org } from './policy-fixture';

const none = { all: false, municipalities: [], schools: [], grades: [], gradeLevels: [], classes: [] };
const scope = (include: Partial<Scope['include']>, exclude: Partial<Scope['exclude']> = {}): Scope => ({ include: { ...none, ...include }, exclude: { ...none, ...exclude } });

describe('ScopeMatcher', () => {
  const scopes = [
    scope({ all: true }),
    scope({ gradeLevels: [3, 4] }, { schools: ['gs-holz'] }),
    scope({ municipalities: ['heusweiler'] }),
    scope({ grades: ['gs-bildstock-4'] }),
    scope({ schools: ['gs-holz'] }, { gradeLevels: [4] }),
  ];
  const matcher = new ScopeMatcher(scopes, org);

  it('includes by municipality, school, grade code and grade level; excludes win', () => {
    expect(matcher.entriesFor('gs-bildstock-3')).toEqual([0, 1]);
    expect(matcher.entriesFor('gs-bildstock-4')).toEqual([0, 1, 3]);
    expect(matcher.entriesFor('gs-heusweiler-3')).toEqual([0, 1, 2]);
    expect(matcher.entriesFor('gs-holz-3')).toEqual([0, 2, 4]);
    expect(matcher.entriesFor('gs-holz-4')).toEqual([0, 2]);
  });

  it('a device placed only at its school gets school-wide entries, not grade ones', () => {
    expect(matcher.entriesFor('gs-holz')).toEqual([0, 2, 4]);
    expect(matcher.entriesFor('gs-bildstock')).toEqual([0]);
  });

  it('an unplaced device, or one in a unit unknown to the tree, gets only entries for everybody', () => {
    expect(matcher.entriesFor(null)).toEqual([0]);
    expect(matcher.entriesFor('no-such-unit')).toEqual([0]);
  });

  it('classes match by class code and by their grade\'s level', () => {
    const withClasses = OrgIndex.fromOrgFile(parseOrgFile(`version: 1
authority: { code: a, name: A, municipalities: [{ code: m, name: Gemeinde M, schools: [{ code: s, name: S, grades: [{ level: 3, classes: [3a, 3b] }] }] }] }`));
    const m = new ScopeMatcher([scope({ classes: ['s-3a'] }), scope({ gradeLevels: [3] }, { classes: ['s-3b'] })], withClasses);
    expect(m.entriesFor('s-3a')).toEqual([0, 1]);
    expect(m.entriesFor('s-3b')).toEqual([]);
    expect(m.entriesFor('s-3')).toEqual([1]);
  });

  it('devices of units with the same entries share one frozen list (no per-device allocation)', () => {
    const a = matcher.entriesFor('gs-bildstock-3');
    expect(matcher.entriesFor('gs-friedrichsthal-3')).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
  });
});
