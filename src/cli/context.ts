import { createSlate, type CreateOptions, type Slate } from '../app';
import { loadConfig } from '../config';
import { createLogger } from '../log/logger';

/**
 * Runs a CLI action against a fully wired Slate (same composition root as the server), then
 * closes it. CLI logs go to stderr at warn level so that stdout stays clean for `--json`.
 */
export async function withSlate<T>(fn: (slate: Slate) => Promise<T>, opts: CreateOptions = {}): Promise<T> {
  const config = loadConfig();
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', process.stderr as never);
  const slate = await createSlate(config, logger, { migrate: true, ...opts });
  try {
    return await fn(slate);
  } finally {
    await slate.close();
  }
}
