import { readFileSync } from 'node:fs';
import { AppError } from '../errors';

export type Env = Record<string, string | undefined>;

/**
 * Resolves `NAME_FILE` variants (Docker/Kubernetes secrets) into `NAME`, so that secrets never
 * need to sit in the process environment. Setting both is a mistake we refuse to guess about.
 */
export function resolveFileVariants(env: Env, names: readonly string[]): Env {
  const out: Env = { ...env };
  for (const name of names) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      throw new AppError('config_invalid', `${name}: set either ${name} or ${fileVar}, not both`);
    }
    try {
      out[name] = readFileSync(path, 'utf8').trim();
    } catch (err) {
      throw new AppError('config_invalid', `${fileVar}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return out;
}

/** Treats empty strings as unset, which is what `FOO=` in a compose file means. */
export function dropEmpty(env: Env): Env {
  const out: Env = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}
