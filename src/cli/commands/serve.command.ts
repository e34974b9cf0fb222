import type { Command } from 'commander';
import { createSlate, type Slate } from '../../app';
import { DEVELOPMENT_TOPIC } from '../../apple/apns/development-push';
import { loadConfig } from '../../config';
import { createLogger } from '../../log/logger';
import { listen } from '../../server';
import { describeDatabase } from '../../db/data-source';
import { formatReport, startupReport, type StartupFacts } from '../../startup/startup-report';
import { slateVersion } from '../version';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the Slate server (migrates the database and imports ORG_FILE on first start)')
    .action(async () => {
      const config = loadConfig();
      const logger = createLogger(config.logLevel);
      const slate = await createSlate(config, logger, { migrate: true, importOrg: true, serving: true });
      let running;
      try {
        running = await listen(slate);
        slate.startBackground();
        const facts = await startupFacts(slate, slateVersion());
        const report = startupReport(facts);
        const missing = report.lines.filter((l) => l.status === 'missing').map((l) => l.text);
        const development = report.lines.filter((l) => l.status === 'development').map((l) => l.text);
        logger[missing.length ? 'warn' : 'info']({ missing, development, next: report.next }, missing.length ? 'ready, but iPads cannot enrol yet' : 'ready');
        // Collectors read the JSON lines on stdout; the person who typed `npm start` reads this.
        if (config.env === 'development') process.stderr.write(formatReport(facts, report));
        const invite = await slate.services.admin.staff.firstAdminInvite();
        // On stderr, not in the JSON log: the link is a credential, meant for the operator's eyes once.
        if (invite) process.stderr.write(`No administrator yet. Open this one-time link to register the first one (valid until ${invite.expiresAt.toISOString()}):\n${invite.url}\n`);
      } catch (err) {
        await (running ? running.shutdown() : slate.close());
        throw err;
      }
      const stop = (signal: string) => {
        logger.info({ signal }, 'signal received');
        running.shutdown().then(
          () => process.exit(0),
          (err) => {
            logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
}

async function startupFacts(slate: Slate, version: string): Promise<StartupFacts> {
  const { config, services } = slate;
  const cert = services.apnsCertificates.current();
  const topic = services.pushTopic();
  const school = (await services.org.list({ kind: 'school' }))[0];
  const grade = school ? (await services.org.list({ kind: 'grade', underCode: school.code })).map((g) => g.gradeLevel ?? 0).filter((n) => n > 0).sort((a, b) => a - b)[0] : undefined;
  return {
    env: config.env, version, publicUrl: config.publicUrl, database: describeDatabase(config.database),
    tls: config.tls ? 'file' : config.devTls ? 'development' : 'none',
    ca: services.pki.caSummary().source === 'operator' ? 'operator' : 'slate',
    push: cert ? { kind: 'certificate', topic: cert.topic, daysLeft: cert.daysLeft } : topic === DEVELOPMENT_TOPIC ? { kind: 'development' } : { kind: 'none' },
    example: school && grade !== undefined ? { school: school.code, grade } : null,
  };
}
