import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import request from 'supertest';
import { ROLES } from '../../../src/admin/rbac/roles';
import { DEVICE_STATES } from '../../../src/db/entities';
import { startAdmin, type AdminHarness } from '../../helpers/admin-harness';

const CONSOLE = join(__dirname, '..', '..', '..', 'web', 'console');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}
const scripts = files(CONSOLE).filter((f) => f.endsWith('.js'));
const source = (f: string) => readFileSync(f, 'utf8');

/**
 * What the web console is served with, and rules its source keeps, without a browser (the
 * Chromium test, test/e2e/admin-console.test.ts, drives it): a policy that allows no inline code,
 * every view at its path, the WebAuthn browser modules, text never parsed as markup, and every
 * UI text in German and English.
 */
describe('web console: assets and rules', () => {
  let h: AdminHarness;
  beforeAll(async () => {
    h = await startAdmin();
  }, 60_000);
  afterAll(() => h?.close());
  const get = (path: string) => request(h.slate.express).get(path);

  it.each(['/console', '/console/', '/console/invite', '/console/sign-in', '/console/devices/SER123', '/console/bulk-jobs', '/console/bulk-jobs/abc'])(
    '%s is the console page under a policy without inline code', async (path) => {
      const r = await get(path).expect(200).expect('Content-Type', /^text\/html/);
      expect(r.text).toContain('<script type="module" src="/console/app.js"></script>');
      const csp = Object.fromEntries(String(r.headers['content-security-policy']).split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v.join(' ')]));
      expect(csp).toMatchObject({ 'default-src': "'none'", 'script-src': "'self'", 'style-src': "'self'", 'connect-src': "'self'", 'frame-ancestors': "'none'", 'base-uri': "'none'" });
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    });

  it('serves its modules and @simplewebauthn/browser as JavaScript', async () => {
    for (const f of scripts) await get(`/console/${relative(CONSOLE, f)}`).expect(200).expect('Content-Type', /javascript/);
    const webauthn = await get('/console/vendor/simplewebauthn/index.js').expect(200).expect('Content-Type', /javascript/);
    expect(webauthn.text).toContain('startRegistration');
    await get('/console/vendor/simplewebauthn/methods/startAuthentication.js').expect(200);
    await get('/console/vendor/simplewebauthn/../../server/package.json').expect(404);
    await get('/console/no-such-file.js').expect(404);
  });

  it('has no inline script or style, and never turns text into markup', () => {
    const html = source(join(CONSOLE, 'index.html'));
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/console/app.js">']);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    for (const f of scripts) expect({ f, sinks: source(f).match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/g) }).toEqual({ f, sinks: null });
  });

  it('has every UI text in German and in English', () => {
    const messages = source(join(CONSOLE, 'messages.js'));
    const [de, en] = messages.split(/^ {2}en: \{$/m).map((part) => new Set([...part.matchAll(/^ {4}'([\w.]+)':/gm)].map((m) => m[1]!)));
    expect(de!.size).toBeGreaterThan(100);
    expect([...de!].filter((k) => !en!.has(k))).toEqual([]);
    expect([...en!].filter((k) => !de!.has(k))).toEqual([]);
    // Keys used literally, and the families the console builds from API values.
    const used = new Set(scripts.flatMap((f) => [...source(f).matchAll(/\bt\('([\w.]+)'/g)].map((m) => m[1]!)));
    for (const s of DEVICE_STATES) used.add(`state.${s}`);
    for (const r of ROLES) used.add(`role.${r}`);
    for (const s of ['queued', 'sent', 'not_now', 'acknowledged', 'error', 'command_format_error', 'cancelled', 'expired']) used.add(`status.${s}`);
    for (const c of ['queued', 'sent', 'acknowledged', 'error', 'notNow', 'cancelled', 'expired']) used.add(`count.${c}`);
    for (const p of ['installed', 'installing', 'removing']) used.add(`profile.${p}`);
    const known = /const KNOWN = new Set\(\[([^\]]*)\]\)/.exec(source(join(CONSOLE, 'errors.js')))![1]!;
    for (const code of [...known.matchAll(/'(\w+)'/g)].map((m) => m[1]!)) used.add(`err.${code}`);
    expect(used.has('err.invite_invalid')).toBe(true);
    expect([...used].filter((k) => !de!.has(k))).toEqual([]);
  });
});
