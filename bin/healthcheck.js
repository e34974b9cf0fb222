#!/usr/bin/env node
'use strict';
// Docker HEALTHCHECK: exits 0 when this container's Slate answers GET /healthz, 1 otherwise. Reads
// the variables Slate itself listens by (PORT, HOST, TLS_CERT_FILE, DEV_TLS with its development
// default), so the check follows the server to HTTPS when built-in TLS is on. The certificate names the public host, not 127.0.0.1:
// the check asks whether the process answers, so it does not verify the chain.
const http = require('node:http');
const https = require('node:https');

const env = (name, fallback) => (process.env[name] === undefined || process.env[name] === '' ? fallback : process.env[name]);
const devTls = env('DEV_TLS') === undefined
  ? env('NODE_ENV', 'development') === 'development' && env('TLS_CERT_FILE') === undefined
  : ['1', 'true', 'yes', 'on'].includes(env('DEV_TLS'));
const tls = env('TLS_CERT_FILE') !== undefined || devTls;
const bound = env('HOST', '0.0.0.0');
const host = bound === '0.0.0.0' ? '127.0.0.1' : bound === '::' ? '::1' : bound;
const port = Number(env('PORT', '8080'));
const timeoutMs = 2500; // below the HEALTHCHECK --timeout of docker/Dockerfile

const req = (tls ? https : http).get(
  { host, port, path: '/healthz', timeout: timeoutMs, ...(tls ? { rejectUnauthorized: false } : {}) },
  (res) => {
    res.resume();
    res.on('end', () => process.exit(res.statusCode === 200 ? 0 : 1));
  },
);
req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
req.on('error', (err) => {
  process.stderr.write(`healthcheck: ${tls ? 'https' : 'http'}://${host}:${port}/healthz: ${err.message}\n`);
  process.exit(1);
});
