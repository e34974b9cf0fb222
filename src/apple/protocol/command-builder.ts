import type { AppleCommand } from './messages';
import { assertCommandConforms, type AppleSchemas } from '../schema';
import { buildCommand, type CommandTarget } from './commands';

/**
 * buildCommand plus a check against Apple's own schema for the RequestType, so a builder that
 * drifts from what devices accept fails here (command_invalid) and not on a pupil's iPad.
 */
export class CommandBuilder {
  constructor(private readonly schemas: AppleSchemas) {}

  build(requestType: string, params: Record<string, unknown> = {}, target: CommandTarget = {}): AppleCommand {
    const command = buildCommand(requestType, params, target);
    assertCommandConforms(this.schemas, command);
    return command;
  }
}
