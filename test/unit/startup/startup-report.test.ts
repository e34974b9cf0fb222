import { formatReport, startupReport, type StartupFacts } from '../../../src/startup/startup-report';

/** The start-up report of issue #11: what works, what is missing, and the next command to type. */
describe('startup report', () => {
  const fresh: StartupFacts = {
    env: 'development', version: '0.1.0', publicUrl: 'https://localhost:8080', database: 'sqlite /srv/data/slate.db', tls: 'development',
    ca: 'slate', push: { kind: 'development' }, example: { school: 'gs-bildstock', grade: 3 },
  };
  const statuses = (f: StartupFacts) => Object.fromEntries(startupReport(f).lines.map((l) => [l.text.split(':')[0], l.status]));

  it('a fresh development start: everything the walkthrough needs, development stand-ins labelled, then slate sim', () => {
    const r = startupReport(fresh);
    expect(statuses(fresh)).toEqual({ database: 'ok', HTTPS: 'development', CA: 'development', push: 'development', organisation: 'ok' });
    expect(r.lines.find((l) => l.text.startsWith('push'))!.text).toContain('DEVELOPMENT TOPIC com.apple.mgmt.External.slate-development');
    expect(r.next).toEqual([
      'npx slate sim --school gs-bildstock --grade 3 --count 5',
      'npx slate device list --school gs-bildstock',
      'npx slate device command --school gs-bildstock DeviceLock --params \'{"Message":"Bitte im Sekretariat abgeben"}\'',
      'npx slate device commands DEVICE',
    ]);
    const text = formatReport(fresh, r);
    expect(text.split('\n')[0]).toBe('Slate 0.1.0 (development) serves https://localhost:8080');
    expect(text).toMatch(/\n {2}DEVELOPMENT {2}push: DEVELOPMENT TOPIC/);
    expect(text).toMatch(/\nNext:\n {2}npx slate sim --school gs-bildstock --grade 3 --count 5\n/);
  });

  it('production behind a TLS proxy without a push certificate: says so and starts the next steps with it', () => {
    const f: StartupFacts = { ...fresh, env: 'production', publicUrl: 'https://mdm.example.org', tls: 'none', ca: 'operator', push: { kind: 'none' } };
    expect(statuses(f)).toEqual({ database: 'ok', HTTPS: 'ok', CA: 'ok', 'push certificate': 'missing', organisation: 'ok' });
    expect(startupReport(f).next).toEqual(['npx slate apns set-cert push.pem --key push.key', 'npx slate enroll create --school gs-bildstock --grade 3', 'npx slate device list --school gs-bildstock']);
  });

  it('names what is missing for HTTPS and the organisation, with the command that fixes it', () => {
    const f: StartupFacts = { ...fresh, publicUrl: 'http://localhost:8080', tls: 'none', example: null, push: { kind: 'certificate', topic: 'com.apple.mgmt.External.x', daysLeft: 300 } };
    const r = startupReport(f);
    expect(r.lines.filter((l) => l.status === 'missing').map((l) => l.text)).toEqual([
      'HTTPS: PUBLIC_URL is http://localhost:8080; iPads enrol only over https (a TLS proxy and PUBLIC_URL=https://..., or TLS_CERT_FILE, or DEV_TLS=true)',
      'organisation: empty; enrolment links need a school and grade',
    ]);
    expect(r.next[0]).toBe('npx slate org import profiles/organisation.yaml');
  });
});
