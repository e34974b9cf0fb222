import type { Command } from 'commander';
import { createSlate } from '../../app';
import { loadConfig } from '../../config';
import { createLogger } from '../../log/logger';
import { listen } from '../../server';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Slate server (migrates the database and imports ORG_FILE on first start)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const slate = await createSlate(config, logger, { migrate: true, importOrg: true });
      let running;
      try {
        running = await listen(slate);
        slate.startBackground();
      } catch (err) {
        await slate.close();
        throw err;
      }
      const stop = (signal: string) => {
        logger.info({ signal }, 'signal received');
        running.shutdown().then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}
