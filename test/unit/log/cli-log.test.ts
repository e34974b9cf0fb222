import { createCliLogger, formatCliLine } from '../../../src/log/cli-log';

describe('CLI log lines', () => {
  it('are short lines for people, not JSON', () => {
    expect(formatCliLine({ level: 'warn', time: '2026-01-01T00:00:00.000Z', service: 'slate', msg: 'APNs refused a push; not retried', deviceId: 'd1', status: 410, reason: 'Unregistered' }))
      .toBe('warn: APNs refused a push; not retried  deviceId=d1 status=410 reason=Unregistered\n');
    expect(formatCliLine({ level: 'info', msg: 'development CA created' })).toBe('info: development CA created\n');
    expect(formatCliLine({ level: 'error', msg: 'push dispatcher round failed', err: { type: 'Error', message: 'socket hang up', stack: 'Error: ...' } }))
      .toBe('error: push dispatcher round failed  err="socket hang up"\n');
  });

  it('keep the server\'s level filter and redaction', () => {
    const lines: string[] = [];
    const logger = createCliLogger('warn', { write: (s) => lines.push(s) });
    logger.info('not shown');
    logger.warn({ token: 'abc', nested: { password: 'pw' } }, 'shown');
    expect(lines).toEqual(['warn: shown  token=[redacted] nested={"password":"[redacted]"}\n']);
  });
});
