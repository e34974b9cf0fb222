import { Command } from 'commander';
import { isAppError } from '../errors';
import { registerAdmin } from './commands/admin.command';
import { registerApns } from './commands/apns.command';
import { registerDevice } from './commands/device.command';
import { registerEnroll } from './commands/enroll.command';
import { registerMigrate } from './commands/migrate.command';
import { registerPki } from './commands/pki.command';
import { registerOrg } from './commands/org.command';
import { registerProfiles } from './commands/profiles.command';
import { registerServe } from './commands/serve.command';
import { registerSim } from './commands/sim.command';
import { slateVersion } from './version';

/** `slate`: the server and the operator's tools share one entry point and one composition root. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('slate').description('Slate MDM for school tablets').version(slateVersion());
  registerServe(program);
  registerMigrate(program);
  registerOrg(program);
  registerEnroll(program);
  registerDevice(program);
  registerProfiles(program);
  registerApns(program);
  registerPki(program);
  registerAdmin(program);
  registerSim(program);
  oneLineUsageErrors(program);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    // One line naming the problem; stack traces only when asked for.
    const msg = isAppError(err) ? `${err.message}` : (err as Error).message;
    process.stderr.write(`slate: ${msg}\n`);
    if (process.env.SLATE_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  }
}

/**
 * Commander's usage errors (unknown option, missing argument) in one line like every other CLI
 * error, pointing at the help instead of printing all of it into a script's log.
 */
function oneLineUsageErrors(cmd: Command, path: string[] = []): void {
  const name = [...path, cmd.name()];
  cmd.configureOutput({ outputError: (msg, write) => write(`${msg.trimEnd()} (see ${name.join(' ')} --help)\n`) });
  for (const sub of cmd.commands) oneLineUsageErrors(sub, name);
}

if (require.main === module) void runCli(process.argv);
