import { createInterface } from 'node:readline/promises';
import { AppError } from '../errors';

/** The part of a stream the CLI's terminal helpers touch (a fake one in tests). */
export interface TermOut {
  isTTY?: boolean;
  write(s: string): unknown;
}

export interface Progress {
  /** Replaces the line with what is happening now; shows the time it has been going on. */
  step(text: string): void;
  /** Clears the line; what stays on screen is the summary the command prints on stdout. */
  end(): void;
}

/**
 * Progress for people: one line on stderr that rewrites itself, only on a terminal, so scripts
 * reading stdout (or a log of stderr) never see it.
 */
export function progress(out: TermOut = process.stderr, now: () => number = Date.now): Progress {
  if (!out.isTTY) return { step: () => undefined, end: () => undefined };
  let text = '';
  let since = 0;
  let timer: NodeJS.Timeout | undefined;
  const render = () => out.write(`\r\x1b[K${text} (${((now() - since) / 1000).toFixed(1)} s)`);
  return {
    step(t) {
      text = t;
      since = now();
      if (!timer) {
        timer = setInterval(render, 250);
        timer.unref();
      }
      render();
    },
    end() {
      if (!timer) return;
      clearInterval(timer);
      timer = undefined;
      out.write('\r\x1b[K');
    },
  };
}

/** Runs `fn` with a progress line that is cleared however `fn` ends. */
export async function withProgress<T>(fn: (bar: Progress) => Promise<T>, out?: TermOut): Promise<T> {
  const bar = progress(out);
  try {
    return await fn(bar);
  } finally {
    bar.end();
  }
}

/**
 * Asks before something that cannot be undone. `--yes` answers for scripts; without it and
 * without a terminal to ask on, the command refuses instead of guessing.
 */
export async function confirm(
  question: string,
  opts: { yes?: boolean; input?: NodeJS.ReadableStream & { isTTY?: boolean }; output?: TermOut & NodeJS.WritableStream } = {},
): Promise<void> {
  if (opts.yes) return;
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  if (!input.isTTY || !output.isTTY) throw new AppError('validation_failed', `${question}: no terminal to confirm on; add --yes`);
  const rl = createInterface({ input, output });
  try {
    const answer = await rl.question(`${question}? Type yes to go on: `);
    if (answer.trim().toLowerCase() !== 'yes') throw new AppError('validation_failed', 'not confirmed; nothing was done');
  } finally {
    rl.close();
  }
}
