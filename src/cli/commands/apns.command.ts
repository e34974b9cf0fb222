import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { AppError } from '../../errors';
import { withSlate } from '../context';
import { printObject } from '../output';

export function registerApns(program: Command): void {
  const apns = program.command('apns').description('the APNs push certificate that wakes Apple devices');
  apns
    .command('set-cert')
    .argument('<file>', 'push certificate: PEM (certificate, optionally with its key) or PKCS#12 (.p12)')
    .option('--key <file>', 'private key file when the certificate file holds none')
    .option('--password-file <file>', 'file holding the PKCS#12 or key password (first line)')
    .option('--new-topic', 'accept a certificate for a different topic (every enrolled device must enrol again)')
    .option('--json', 'machine-readable output')
    .description('validate and store the push certificate (the private key is stored encrypted)')
    .action(async (file: string, o: { key?: string; passwordFile?: string; newTopic?: boolean; json?: boolean }) => {
      const data = readInput(file, 'certificate');
      const key = o.key === undefined ? undefined : readInput(o.key, '--key');
      const password = o.passwordFile === undefined ? undefined : readInput(o.passwordFile, '--password-file').toString('utf8').split(/\r?\n/)[0];
      await withSlate(async ({ services }) => {
        const s = await services.apnsCertificates.set({ data, key, password, allowTopicChange: !!o.newTopic });
        printObject({ topic: s.topic, notAfter: s.notAfter, daysLeft: s.daysLeft, fingerprint: s.fingerprint, subject: s.subject }, !!o.json);
      });
    });
  apns
    .command('show')
    .option('--json', 'machine-readable output')
    .description('the push certificate in use, its topic and expiry, and how many pushes wait')
    .action(async (o: { json?: boolean }) => {
      await withSlate(async ({ services, stores, db }) => {
        const s = services.apnsCertificates.current();
        const waiting = await stores.pushOutbox.count(db);
        if (!s) {
          const topic = services.pushTopic();
          if (o.json) printObject({ configured: false, topic, waitingPushes: waiting }, true);
          else if (topic) process.stdout.write(`no push certificate configured (slate apns set-cert FILE): devices enrol with the development topic ${topic}, pushes are not sent\n`);
          else process.stdout.write(`no push certificate configured (slate apns set-cert FILE); ${waiting} push(es) waiting\n`);
          return;
        }
        printObject({ configured: true, topic: s.topic, notBefore: s.notBefore, notAfter: s.notAfter, daysLeft: s.daysLeft,
          fingerprint: s.fingerprint, subject: s.subject, issuer: s.issuer, uploadedAt: s.uploadedAt, waitingPushes: waiting }, !!o.json);
      });
    });
}

function readInput(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new AppError('validation_failed', `${what}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
