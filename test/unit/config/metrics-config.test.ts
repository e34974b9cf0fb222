import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config';

const fail = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected loadConfig to fail');
};

describe('METRICS_TOKEN / METRICS_ALLOW', () => {
  it('defaults: off in production, open in development and test', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).metrics.access).toBe('off');
    expect(loadConfig({}).metrics.access).toBe('open');
    expect(loadConfig({ NODE_ENV: 'test' }).metrics.access).toBe('open');
  });

  it('either variable restricts access, in any environment', () => {
    for (const NODE_ENV of ['production', 'development']) {
      expect(loadConfig({ NODE_ENV, METRICS_TOKEN: 'x'.repeat(16) }).metrics).toMatchObject({ access: 'restricted', token: 'x'.repeat(16) });
      const c = loadConfig({ NODE_ENV, METRICS_ALLOW: '10.0.0.0/8, 192.0.2.7' }).metrics;
      expect(c.access).toBe('restricted');
      expect([c.allow.includes('10.9.8.7'), c.allow.includes('192.0.2.7'), c.allow.includes('192.0.2.8')]).toEqual([true, true, false]);
    }
  });

  it('refuses a short token without echoing it, and a bad address', () => {
    const e = fail({ METRICS_TOKEN: 'hunter2hunter2' });
    expect(e).toMatchObject({ code: 'config_invalid', message: expect.stringMatching(/^METRICS_TOKEN: expected at least 16/) });
    expect(e.message).not.toContain('hunter2');
    expect(fail({ METRICS_ALLOW: '10.0.0.0/33' }).message).toMatch(/^METRICS_ALLOW: bad prefix length: 10\.0\.0\.0\/33/);
    expect(fail({ METRICS_ALLOW: 'prometheus.internal' }).message).toMatch(/^METRICS_ALLOW: not an IP address/);
  });

  it('reads the token from METRICS_TOKEN_FILE (a Docker secret)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'slate-metrics-')), 'token');
    writeFileSync(file, 'a-token-of-24-characters\n');
    expect(loadConfig({ NODE_ENV: 'production', METRICS_TOKEN_FILE: file }).metrics).toMatchObject({ access: 'restricted', token: 'a-token-of-24-characters' });
  });
});
