import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port';
import type { TestSlate } from '../../helpers/test-slate';

export interface SecondProcess {
  url: string;
  stop(): Promise<void>;
}

/**
 * A second `slate serve` on the same Postgres schema, CA and secret key as `slate` (the benchmark's
 * in-process server): the two-process measurement of issue #10. Resolves with its base URL once
 * /readyz answers. It logs at warn only: an info line per request, parsed by this process, would
 * measure the log pipe rather than Slate.
 */
export async function startSecondProcess(slate: TestSlate, extraEnv: Record<string, string>): Promise<SecondProcess> {
  const db = slate.testDb;
  if (db.database.kind !== 'postgres') throw new Error('two processes share Postgres only (set TEST_DATABASE_URL)');
  const root = join(__dirname, '..', '..', '..', '..');
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'slate.js'), 'serve'], {
    env: {
      PATH: process.env.PATH!, NODE_ENV: 'test', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn',
      DATABASE_URL: db.database.url, DATABASE_SCHEMA: db.schema!, DATABASE_POOL_SIZE: String(db.database.poolSize),
      DATA_DIR: db.dir, SECRET_KEY_FILE: join(db.dir, 'secret.key'), CERTS_DIR: join(db.dir, 'certs'),
      PUBLIC_URL: slate.config.publicUrl, ORG_IMPORT_ON_START: 'false', ...extraEnv,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited !== undefined) throw new Error(`second process exited with ${exited}`);
    if (Date.now() > deadline) throw new Error('second process was not ready within 60 s');
    const ready = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
