import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express, { Router } from 'express';
import helmet from 'helmet';

/** Every view of the console is the same page; its script picks the view from the path. */
const PAGES = ['/', '/invite', '/sign-in', '/devices/:id', '/bulk-jobs', '/bulk-jobs/:id'];

const CONSOLE_DIR = join('web', 'console');

/** Finds web/console from source (src/...) and compiled (dist/src/...) locations alike. */
export function findConsoleRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, CONSOLE_DIR);
    if (existsSync(join(candidate, 'index.html'))) return candidate;
    if (dirname(dir) === dir) throw new Error(`web console not found above ${from} (${CONSOLE_DIR})`);
  }
}

/** The browser half of WebAuthn as the package ships it: ES modules that import each other relatively. */
function webauthnBrowserModules(): string {
  return join(dirname(require.resolve('@simplewebauthn/browser')), '..', 'esm');
}

/**
 * /console: the staff web console, static files without a build step. Its own policy allows
 * scripts, styles and requests from this origin only (no inline code at all), so injected markup
 * could not run even if some text slipped past textContent.
 */
export function consoleRouter(root: string = findConsoleRoot()): Router {
  const router = Router();
  router.use(helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'"], connectSrc: ["'self'"],
        baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"],
      },
    },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  }));
  // Revalidated on every load: after an upgrade the console's modules must not mix versions.
  const files: Parameters<typeof express.static>[1] = { index: false, redirect: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') };
  router.use('/vendor/simplewebauthn', express.static(webauthnBrowserModules(), files));
  for (const page of PAGES) {
    router.get(page, (_req, res) => {
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(join(root, 'index.html'));
    });
  }
  router.use(express.static(root, files));
  return router;
}
