import { AppError } from '../../errors';
import { AppleSchemas, type AppleKeySpec } from './apple-schema';
import { validateKeys } from './validate';

export { AppleSchemas, findSchemaRoot, type AppleKeySpec, type AppleSchema } from './apple-schema';
export { validateKeys, validateValue } from './validate';

/** Problems of an MDM command (`{RequestType, ...}`) against Apple's command schema. */
export function commandProblems(schemas: AppleSchemas, command: { RequestType: string } & Record<string, unknown>): string[] {
  const schema = schemas.command(command.RequestType);
  if (!schema) return [`RequestType ${command.RequestType}: no Apple schema vendored`];
  const { RequestType: _type, ...keys } = command;
  return validateKeys(schema.payloadkeys ?? [], keys);
}

/** Throws AppError command_invalid when a command does not conform to Apple's schema. */
export function assertCommandConforms(schemas: AppleSchemas, command: { RequestType: string } & Record<string, unknown>): void {
  const problems = commandProblems(schemas, command);
  if (problems.length) throw new AppError('command_invalid', `${command.RequestType} does not match Apple's schema: ${problems.slice(0, 5).join('; ')}`, { details: problems });
}

/**
 * Problems of a configuration profile: the top level against `TopLevel`, each payload against its
 * PayloadType schema plus the keys every payload shares (CommonPayloadKeys).
 */
export function profileProblems(schemas: AppleSchemas, profile: Record<string, unknown>): string[] {
  const top = schemas.profilePayload('TopLevel');
  const common = schemas.profilePayload('CommonPayloadKeys')?.payloadkeys ?? [];
  if (!top) return ['TopLevel schema missing'];
  const problems = validateKeys(top.payloadkeys ?? [], profile);
  const content = Array.isArray(profile.PayloadContent) ? profile.PayloadContent : [];
  content.forEach((payload: Record<string, unknown>, i) => {
    const type = String(payload?.PayloadType);
    const schema = schemas.profilePayload(type);
    if (!schema) return void problems.push(`PayloadContent[${i}]: no Apple schema vendored for ${type}`);
    problems.push(...validateKeys(mergeSpecs(common, schema.payloadkeys ?? []), payload, `PayloadContent[${i}](${type}).`));
  });
  return problems;
}

function mergeSpecs(base: readonly AppleKeySpec[], own: readonly AppleKeySpec[]): AppleKeySpec[] {
  const ownKeys = new Set(own.map((s) => s.key));
  return [...base.filter((s) => !ownKeys.has(s.key)), ...own];
}
