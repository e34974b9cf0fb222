import { DEVELOPMENT_TOPIC } from '../apple/apns/development-push';

/** What a start has to work with, read once it listens (serve.command.ts gathers it). */
export interface StartupFacts {
  env: string;
  version: string;
  publicUrl: string;
  database: string;
  tls: 'file' | 'development' | 'none';
  ca: 'operator' | 'slate';
  push: { kind: 'certificate'; topic: string; daysLeft: number } | { kind: 'development' } | { kind: 'none' };
  /** A school with a grade to put in the example commands; null without an organisation. */
  example: { school: string; grade: number } | null;
}

export interface ReportLine {
  /** ok: works; development: a stand-in that production replaces; missing: enrolment cannot work yet. */
  status: 'ok' | 'development' | 'missing';
  text: string;
}

export interface StartupReport {
  lines: ReportLine[];
  /** The commands to type next, in order. */
  next: string[];
}

/**
 * What works, what is missing and what to type next (issue #11: the start-up log gave no next
 * step). Pure: tested for each situation a first start can be in.
 */
export function startupReport(f: StartupFacts): StartupReport {
  const lines: ReportLine[] = [{ status: 'ok', text: `database: ${f.database}` }];
  const https = f.publicUrl.startsWith('https://');
  if (f.tls === 'development') lines.push({ status: 'development', text: `HTTPS: a certificate for localhost from the development CA (production: a TLS proxy, or TLS_CERT_FILE)` });
  else if (f.tls === 'file') lines.push({ status: 'ok', text: 'HTTPS: TLS_CERT_FILE' });
  else if (https) lines.push({ status: 'ok', text: `HTTPS: by the TLS proxy in front (PUBLIC_URL ${f.publicUrl})` });
  else lines.push({ status: 'missing', text: `HTTPS: PUBLIC_URL is ${f.publicUrl}; iPads enrol only over https (a TLS proxy and PUBLIC_URL=https://..., or TLS_CERT_FILE${f.env === 'development' ? ', or DEV_TLS=true' : ''})` });
  lines.push({ status: f.ca === 'operator' ? 'ok' : f.env === 'production' ? 'ok' : 'development', text: f.ca === 'operator' ? 'CA: the authority\'s (CA_CERT_FILE)' : 'CA: created by Slate, kept in the database' });
  if (f.push.kind === 'certificate') lines.push({ status: 'ok', text: `push certificate: topic ${f.push.topic}, ${f.push.daysLeft} days left` });
  else if (f.push.kind === 'development') {
    lines.push({ status: 'development', text: `push: DEVELOPMENT TOPIC ${DEVELOPMENT_TOPIC}: iPads enrol, but no push is sent; simulated iPads poll, real ones would never be woken (npx slate apns set-cert push.pem --key push.key)` });
  } else lines.push({ status: 'missing', text: 'push certificate: none; enrolment links answer 503 until one is uploaded' });
  if (f.example) lines.push({ status: 'ok', text: 'organisation: imported' });
  else lines.push({ status: 'missing', text: 'organisation: empty; enrolment links need a school and grade' });

  const next: string[] = [];
  if (!f.example) next.push('npx slate org import profiles/organisation.yaml');
  if (f.push.kind === 'none') next.push('npx slate apns set-cert push.pem --key push.key');
  const s = f.example ?? { school: 'SCHOOL', grade: 3 };
  if (f.env === 'development' && https && f.push.kind !== 'none') {
    next.push(
      `npx slate sim --school ${s.school} --grade ${s.grade} --count 5`,
      `npx slate device list --school ${s.school}`,
      `npx slate device command --school ${s.school} DeviceLock --params '{"Message":"Bitte im Sekretariat abgeben"}'`,
      'npx slate device commands DEVICE',
    );
  } else {
    next.push(`npx slate enroll create --school ${s.school} --grade ${s.grade}`, `npx slate device list --school ${s.school}`);
  }
  return { lines, next };
}

const LABEL = { ok: 'ok         ', development: 'DEVELOPMENT', missing: 'MISSING    ' } as const;

/** The report for a person at a terminal. */
export function formatReport(f: StartupFacts, r: StartupReport): string {
  return [
    `Slate ${f.version} (${f.env}) serves ${f.publicUrl}`,
    ...r.lines.map((l) => `  ${LABEL[l.status]}  ${l.text}`),
    'Next:',
    ...r.next.map((c) => `  ${c}`),
    '',
  ].join('\n');
}
