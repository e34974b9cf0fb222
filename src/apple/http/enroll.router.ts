import { Router } from 'express';
import type { EnrollmentToken } from '../../db/stores';
import { isAppError } from '../../errors';
import type { Logger } from '../../log/logger';

export interface EnrollRouterDeps {
  redeem(token: string): Promise<EnrollmentToken>;
  /** Builds the profile for this enrolment (fresh SCEP challenge inside); plist bytes. */
  buildProfile(token: EnrollmentToken): Promise<Buffer>;
  /** CMS SignedData (DER) over the profile bytes. */
  sign(profile: Buffer): Promise<Buffer>;
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
      const token = await deps.redeem(req.params.token);
      const profile = await deps.buildProfile(token);
      const body = unsigned ? profile : await deps.sign(profile);
      res.set('Content-Disposition', 'attachment; filename="slate-enroll.mobileconfig"');
      res.set('Cache-Control', 'no-store');
      res.status(200).type('application/x-apple-aspen-config').send(body);
    } catch (err) {
      if (isAppError(err) && err.code === 'enrollment_token_invalid') {
        res.locals.reason = err.code;
        res.status(404).json({ error: err.code, message: err.message });
        return;
      }
      deps.logger.error({ err }, 'enrolment profile failed');
      res.status(500).json({ error: 'server_error', message: 'internal error' });
    }
  });
  return r;
}
