import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import request from 'supertest';
import { freePort } from '../helpers/free-port';
import { itWith } from '../helpers/interop';
import { startSpine, type SpineHarness } from '../helpers/spine-harness';
import type { SimulatedIpad } from '../sim/ipad-simulator';

/**
 * The web console in real headless Chromium (Debian's `chromium`), with Chrome's virtual WebAuthn
 * authenticator standing in for a phone or security key: an invited school IT member registers a
 * passkey, signs out and in again, finds a simulated iPad by serial and locks it; the iPad fetches
 * and acknowledges the lock and the console's timeline shows it. `http://localhost` is a secure
 * context, so WebAuthn runs with rpID `localhost` without TLS.
 */
const CHROMIUM = '/usr/bin/chromium';
/** Hostile on purpose: device names come from devices and must stay text. */
const HOSTILE_NAME = '<img src=x id=injected onerror="document.title=\'pwned\'">iPad 7b';

describe('web console in headless Chromium', () => {
  let h: SpineHarness;
  let origin: string;
  let ipad: SimulatedIpad;
  let auditorToken: string;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  /** Console errors and uncaught exceptions: CSP violations and script failures land here. */
  let problems: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    origin = `http://localhost:${port}`;
    h = await startSpine({ WEBAUTHN_RP_ID: 'localhost', WEBAUTHN_ORIGINS: origin, AUTH_RATE_LIMIT: '1000' }, { port, logLevel: 'info' });
    ipad = await h.enrolled({ name: HOSTILE_NAME });
    auditorToken = (await h.slate.services.admin.tokens.create(null, { name: 'check', role: 'auditor', ttlMs: 3_600_000 })).token;
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  const asAuditor = (path: string) => request(h.slate.express).get(path).set('Authorization', `Bearer ${auditorToken}`).expect(200);

  /** A fresh browser profile with its own virtual authenticator (no passkeys yet). */
  async function openBrowser(locale = 'de-DE'): Promise<void> {
    browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
    await context?.close();
    problems = [];
    context = await browser.newContext({ locale });
    page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(`${m.text()} (${m.location().url})`));
    page.on('pageerror', (e) => problems.push(String(e)));
    // Before any navigation: the page's navigator.credentials talks to this authenticator.
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    await cdp.send('WebAuthn.addVirtualAuthenticator', {
      options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true },
    });
  }

  itWith('chromium')('registers a passkey from an invite, signs in with it, and locks a device that then acknowledges', async () => {
    const invite = await h.slate.services.admin.staff.invite(null, { email: 'it@gs-bildstock.example', role: 'school_it', scope: 'gs-bildstock' });
    const token = invite.url.split('#')[1]!;
    await openBrowser();

    // The invite: the token rides in the fragment; the console registers a passkey and signs in.
    await redeem(token, 'it@gs-bildstock.example', 'Ilse Technik');
    expect(new URL(page.url()).pathname).toBe('/console/');
    expect(page.url()).not.toContain(token); // gone from the address bar and history

    // Sign out, then in again with the passkey the authenticator now holds.
    await page.click('#sign-out');
    await page.getByText('Sie sind abgemeldet.').waitFor();
    expect(await request(h.slate.express).get('/api/v1/auth/session').set('Cookie', cookiesOf(await context.cookies())).then((r) => r.status)).toBe(401);
    await page.click('#sign-in');
    await page.locator('#who').getByText('it@gs-bildstock.example').waitFor();

    // Search by serial; the hostile name is shown as text, never as markup.
    await page.fill('#q', ipad.facts.serial);
    await page.click('#find');
    const row = page.locator(`#device-list tr[data-serial="${ipad.facts.serial}"]`);
    await row.waitFor();
    expect(await page.locator('#device-list tbody tr').count()).toBe(1);
    await row.getByText(HOSTILE_NAME).waitFor();
    expect(await page.locator('#injected').count()).toBe(0);
    await row.locator('a').click();

    // The device page: state, serial, last check-in; then lock it with a message.
    await page.locator('#device-serial').getByText(ipad.facts.serial).waitFor();
    expect(await page.locator('#device-state').textContent()).toBe('Eingeschrieben');
    expect(await page.locator('#last-checkin').textContent()).not.toBe('nie');
    await page.click('#action-lock');
    await page.fill('#action-message', 'Bitte im Sekretariat abgeben');
    await page.click('#lock-send');
    await page.locator('.notice.ok').getByText('DeviceLock').waitFor();
    await page.locator('#timeline tr[data-request-type="DeviceLock"][data-status="queued"]').waitFor();

    // Queued for that device, by that person, and in the audit log.
    const commands = (await asAuditor(`/api/v1/commands?device=${ipad.facts.serial}`)).body.items as { deviceId: string; requestType: string; status: string; createdBy: string; params: unknown }[];
    const lock = commands.filter((c) => c.requestType === 'DeviceLock');
    expect(lock).toEqual([expect.objectContaining({ status: 'queued', createdBy: 'it@gs-bildstock.example', params: expect.objectContaining({ Message: 'Bitte im Sekretariat abgeben' }) })]);
    const audit = (await asAuditor('/api/v1/audit?action=device.lock')).body.items;
    expect(audit).toEqual([expect.objectContaining({ actorLabel: 'it@gs-bildstock.example', actorRole: 'school_it', outcome: 'ok', targetType: 'device', targetId: lock[0]!.deviceId })]);

    // The iPad fetches the lock and acknowledges it; the timeline shows the answer.
    await ipad.connect();
    expect(ipad.ledger.filter((l) => l.requestType === 'DeviceLock').map((l) => l.answered)).toEqual(['Acknowledged']);
    await page.click('#refresh');
    await page.locator('#timeline tr[data-request-type="DeviceLock"][data-status="acknowledged"]').waitFor();

    expect(await page.title()).toBe('Slate');
    expect(problems).toEqual([]);
  }, 60_000);

  async function redeem(token: string, email: string, name: string): Promise<void> {
    await page.goto(`${origin}/console/invite#${token}`);
    await page.locator('#invite-email').getByText(email).waitFor();
    await page.fill('#display-name', name);
    await page.click('#create-passkey');
    await page.locator('#who').getByText(email).waitFor();
  }

  itWith('chromium')('follows a bulk job live, turns lost mode on and off, and wipes after a passkey confirmation', async () => {
    const others = [await h.enrolled(), await h.enrolled()];
    const invite = await h.slate.services.admin.staff.invite(null, { email: 'admin@medienzentrum.example', role: 'authority_admin' });
    await openBrowser('en-GB');
    await redeem(invite.url.split('#')[1]!, 'admin@medienzentrum.example', 'Anna Admin');
    // An English browser gets English; the switch changes it, and the choice is kept.
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    await page.click('#language');
    await page.getByRole('heading', { name: 'Geräte' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Geräte' }).waitFor();
    await page.click('#language');

    // A school-wide lock started through the API; the console follows it over server-sent events.
    const itToken = (await h.slate.services.admin.tokens.create(null, { name: 'bulk', role: 'school_it', scope: 'gs-bildstock', ttlMs: 3_600_000 })).token;
    const job = (await request(h.slate.express).post('/api/v1/bulk-jobs').set('Authorization', `Bearer ${itToken}`).send({ action: 'lock', unit: 'gs-bildstock' }).expect(202)).body as { id: string; total: number };
    const devices = [ipad, ...others];
    expect(job.total).toBe(devices.length);
    await page.click('a[href="/console/bulk-jobs"]');
    await page.click(`a[href="/console/bulk-jobs/${job.id}"]`);
    await page.locator('#counts [data-count="queued"] dd').getByText(String(job.total)).waitFor();
    expect(await page.locator('#bulk-job').getAttribute('data-done')).toBe('false');
    for (const d of devices) await d.connect();
    await page.locator('#bulk-job[data-done="true"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('#counts [data-count="acknowledged"] dd').textContent()).toBe(String(job.total));
    expect(await page.locator('#answered').textContent()).toBe(`${job.total} of ${job.total} answered`);

    // Lost mode on: the iPad acknowledges it, the page shows the device lost; then off again.
    const lost = others[0]!;
    await page.goto(`${origin}/console/devices/${lost.facts.serial}`);
    await page.click('#action-lost-on');
    await page.click('#lost-mode-send');
    await page.getByText('Please give a message or a phone number.').waitFor();
    await page.fill('#action-phoneNumber', '+49 681 123456');
    await page.click('#lost-mode-send');
    await page.locator('.notice.ok').getByText('EnableLostMode').waitFor();
    await lost.connect();
    await page.click('#refresh');
    await page.locator('#device-state').getByText('Lost mode').waitFor();
    await page.click('#action-lost-off');
    await page.locator('.notice.ok').getByText('DisableLostMode').waitFor();

    // Wipe: a wrong serial is refused before anything is sent; the right one asks for the passkey.
    await page.click('#action-wipe');
    await page.fill('#action-confirmSerial', 'NOT-THE-SERIAL');
    await page.click('#wipe-send');
    await page.locator('.notice.error').getByText('The serial number does not match.').waitFor();
    await page.fill('#action-confirmSerial', lost.facts.serial.toLowerCase());
    await page.click('#wipe-send');
    await page.locator('.notice.ok').getByText('EraseDevice').waitFor();
    await page.locator('#timeline tr[data-request-type="EraseDevice"][data-status="queued"]').waitFor();

    const audit = (await asAuditor('/api/v1/audit?actorId=' + (await actorId('admin@medienzentrum.example')))).body.items as { action: string; outcome: string }[];
    expect(audit.map((a) => `${a.action} ${a.outcome}`).reverse()).toEqual([
      'staff.join ok', 'auth.sign_in ok', 'device.lost-mode ok', 'device.lost-mode-off ok', 'auth.step_up ok', 'device.wipe ok',
    ]);
    expect(problems).toEqual([]);
  }, 60_000);

  async function actorId(email: string): Promise<string> {
    const rows = (await asAuditor(`/api/v1/audit?action=staff.join`)).body.items as { actorId: string; actorLabel: string }[];
    return rows.find((r) => r.actorLabel === email)!.actorId;
  }
});

function cookiesOf(cookies: { name: string; value: string }[]): string {
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}
