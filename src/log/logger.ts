import pino, { Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear. Secrets must never reach logs even when a
 * developer logs a whole object by mistake, so the list errs on the broad side.
 */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'privateKey',
  'unlockToken',
  'challenge',
  'pushMagic',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.token',
  '*.privateKey',
  '*.key',
  '*.unlockToken',
  '*.bootstrapToken',
  '*.challenge',
  '*.pushMagic',
  '*.apiToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["mdm-signature"]',
  'req.headers["client-cert"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'slate' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

/** A silent logger for tests and CLI commands that print their own output. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
