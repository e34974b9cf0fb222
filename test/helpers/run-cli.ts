import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The CLI as users run it (`npx slate` → bin/slate.js, which runs the built dist/). */
export const CLI = join(__dirname, '..', '..', 'bin', 'slate.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `slate ARGS` with exactly `env` (no inherited environment) and collects both streams. */
export function runCli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b) => (stdout += b));
    child.stderr.on('data', (b) => (stderr += b));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
