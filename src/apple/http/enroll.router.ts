import { Router } from 'express';
import { toAppError } from '../../errors';
import type { Logger } from '../../log/logger';

export interface EnrollRouterDeps {
  /** Counts one use of the link and builds its profile (fresh SCEP challenge inside); plist bytes. */
  profileFor(token: string): Promise<Buffer>;
  /** CMS SignedData (DER) over the profile bytes. */
  sign(profile: Buffer): Buffer;
  allowUnsigned: boolean;
  logger: Logger;
}

/**
 * `GET /enroll/:token`: the enrolment profile an iPad installs. Safari hands
 * `application/x-apple-aspen-config` to the profile installer; the signature shows the school's
 * staff a verified issuer instead of "Not Verified".
 */
export function enrollRouter(deps: EnrollRouterDeps): Router {
  const r = Router();
  r.get('/:token', async (req, res) => {
    try {
      const unsigned = req.query.unsigned === '1';
      if (unsigned && !deps.allowUnsigned) {
        res.locals.reason = 'unsigned profiles disabled';
        res.status(403).json({ error: 'forbidden', message: 'unsigned profiles are disabled (ENROLL_ALLOW_UNSIGNED)' });
        return;
      }
      const profile = await deps.profileFor(req.params.token);
      const body = unsigned ? profile : deps.sign(profile);
      res.set('Content-Disposition', 'attachment; filename="slate-enroll.mobileconfig"');
      res.set('Cache-Control', 'no-store');
      res.status(200).type('application/x-apple-aspen-config').send(body);
    } catch (err) {
      const e = toAppError(err);
      res.locals.reason = e.code;
      // enrollment_token_invalid is a 404 in the error model: an unknown, expired or used-up link is
      // simply not there (no oracle for valid tokens).
      if (e.status >= 500 && !e.expose) deps.logger.error({ err: e.cause ?? e }, 'enrolment profile failed');
      res.status(e.status).json(e.expose ? { error: e.code, message: e.message } : { error: 'server_error', message: 'internal error' });
    }
  });
  return r;
}
