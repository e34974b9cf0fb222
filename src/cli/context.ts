import { createSlate, type CreateOptions, type Slate } from '../app';
import { loadConfig } from '../config';
import { createCliLogger } from '../log/cli-log';

/**
 * Runs a CLI action against a fully wired Slate (same composition root as the server), then
 * closes it. CLI logs go to stderr as short lines, at warn level unless LOG_LEVEL says otherwise,
 * so that stdout carries only the command's result (`--json` stays parseable).
 */
export async function withSlate<T>(fn: (slate: Slate) => Promise<T>, opts: CreateOptions = {}): Promise<T> {
  const config = loadConfig();
  const logger = createCliLogger(process.env.LOG_LEVEL || 'warn');
  const slate = await createSlate(config, logger, { migrate: true, ...opts });
  try {
    return await fn(slate);
  } finally {
    await slate.close();
  }
}
