import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Slate } from './app';
import { developmentTls } from './ca/development-tls';
import { slateVersion } from './cli/version';
import { recordServer } from './startup/server-record';
import { AppError } from './errors';

export interface RunningServer {
  server: http.Server;
  url: string;
  /** Stops accepting, lets in-flight requests finish (up to the grace period), closes the database. */
  shutdown(): Promise<void>;
}

export async function listen(slate: Slate): Promise<RunningServer> {
  const { config, logger } = slate;
  const tls = config.tls ? tlsOptions(config.tls) : config.devTls ? await developmentTls(slate.services.pki, slate.db, config.certsDir, config.env, logger) : undefined;
  const server = tls ? https.createServer(tls, slate.http) : http.createServer(slate.http);
  server.keepAliveTimeout = 65_000; // longer than typical proxy idle timeouts, so proxies close first
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new AppError('config_invalid', `PORT: cannot listen on ${config.host}:${config.port} (${err.code ?? err.message})`)),
    );
    server.listen(config.port, config.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `${tls ? 'https' : 'http'}://${addr.address === '0.0.0.0' || addr.address === '::' ? 'localhost' : addr.address}:${addr.port}`;
  logger.info({ url, publicUrl: config.publicUrl, database: slate.config.database.kind }, 'Slate is listening');
  await recordServer(slate.db, slate.stores.serverSettings, { publicUrl: config.publicUrl, version: slateVersion() });

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      logger.info('shutting down: no new connections, finishing in-flight requests');
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections turn idle as their last response ends; close them as they do.
      const reaper = setInterval(() => server.closeIdleConnections(), 50);
      server.closeIdleConnections();
      const timer = setTimeout(() => {
        logger.warn('grace period over: closing remaining connections');
        server.closeAllConnections();
      }, config.shutdownGraceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      clearInterval(reaper);
      await slate.close();
      logger.info('stopped');
    })());
  return { server, url, shutdown };
}

function tlsOptions(tls: { certFile: string; keyFile: string }): https.ServerOptions {
  try {
    return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  } catch (err) {
    throw new AppError('config_invalid', `TLS_CERT_FILE/TLS_KEY_FILE: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}
