/**
 * The variables a catalog value may use, and how specific each one is. The level decides how
 * often an entry is rendered and signed: an entry using only school variables is rendered once
 * per school, one using `device.serial` once per device.
 */
export const VARIABLE_LEVELS = ['catalog', 'municipality', 'school', 'grade', 'class', 'device'] as const;
export type VariableLevel = (typeof VARIABLE_LEVELS)[number];

export const KNOWN_VARIABLES: Readonly<Record<string, VariableLevel>> = {
  'municipality.code': 'municipality',
  'municipality.name': 'municipality',
  'school.code': 'school',
  'school.name': 'school',
  /** Deterministic UUID of the school (from its code): Classroom's OrganizationUUID, for example. */
  'school.uuid': 'school',
  'grade.code': 'grade',
  'grade.name': 'grade',
  'grade.level': 'grade',
  'class.code': 'class',
  'class.name': 'class',
  'device.serial': 'device',
  'device.assetTag': 'device',
  'device.udid': 'device',
};

/** `secret.NAME`: from configuration (`*_FILE`), per school or general; never from git. */
export const SECRET_PREFIX = 'secret.';
const SECRET_NAME = /^[A-Z][A-Z0-9_]{0,63}$/;

export function secretNameOf(variable: string): string | undefined {
  if (!variable.startsWith(SECRET_PREFIX)) return undefined;
  const name = variable.slice(SECRET_PREFIX.length);
  return SECRET_NAME.test(name) ? name : undefined;
}

/** Level of one variable; undefined when Slate does not know it. */
export function levelOfVariable(variable: string): VariableLevel | undefined {
  if (Object.prototype.hasOwnProperty.call(KNOWN_VARIABLES, variable)) return KNOWN_VARIABLES[variable];
  // Secrets may differ per school (SecretSource.get takes the school code).
  return secretNameOf(variable) !== undefined ? 'school' : undefined;
}

export function maxLevel(levels: Iterable<VariableLevel>): VariableLevel {
  let max = 0;
  for (const l of levels) max = Math.max(max, VARIABLE_LEVELS.indexOf(l));
  return VARIABLE_LEVELS[max]!;
}

export function levelRank(level: VariableLevel): number {
  return VARIABLE_LEVELS.indexOf(level);
}
