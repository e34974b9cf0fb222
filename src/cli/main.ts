import { Command } from 'commander';
import { isAppError } from '../errors';
import { registerApns } from './commands/apns.command';
import { registerDevice } from './commands/device.command';
import { registerEnroll } from './commands/enroll.command';
import { registerMigrate } from './commands/migrate.command';
import { registerPki } from './commands/pki.command';
import { registerOrg } from './commands/org.command';
import { registerServe } from './commands/serve.command';
import { slateVersion } from './version';

/** `slate`: the server and the operator's tools share one entry point and one composition root. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command();
  program.name('slate').description('Slate MDM for school tablets').version(slateVersion()).showHelpAfterError();
  registerServe(program);
  registerMigrate(program);
  registerOrg(program);
  registerEnroll(program);
  registerDevice(program);
  registerApns(program);
  registerPki(program);
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

if (require.main === module) void runCli(process.argv);
