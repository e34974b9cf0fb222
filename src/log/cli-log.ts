import { createLogger, type Logger } from './logger';

/** Fields every pino line carries that say nothing to someone at a terminal. */
const NOISE = new Set(['level', 'time', 'service', 'msg', 'pid', 'hostname']);

/**
 * One log record as a short line for people: `warn: message key=value`. The CLI prints its
 * results on stdout; its logs go here, on stderr, so `--json` output stays parseable.
 */
export function formatCliLine(rec: Record<string, unknown>): string {
  const fields = Object.entries(rec)
    .filter(([k, v]) => !NOISE.has(k) && v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(k, v)}`);
  return `${String(rec.level ?? 'log')}: ${String(rec.msg ?? '')}${fields.length ? `  ${fields.join(' ')}` : ''}\n`;
}

function formatValue(key: string, v: unknown): string {
  // pino serialises errors as {type, message, stack}; the message is what a person needs.
  if (key === 'err' && typeof v === 'object' && v !== null && 'message' in v) return JSON.stringify(String((v as { message: unknown }).message));
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

/** The logger of CLI runs: same levels and redaction as the server's, human lines on `out`. */
export function createCliLogger(level: string, out: { write(s: string): unknown } = process.stderr): Logger {
  return createLogger(level, { write: (line: string) => void out.write(formatCliLine(JSON.parse(line) as Record<string, unknown>)) });
}
