import { Router } from 'express';
import type { IncomingMessage } from 'node:http';
import type { FastRoute, LocalsResponse } from '../../http/fast-routes';
import type { Logger } from '../../log/logger';
import { CheckinService } from '../checkin.service';
import type { CommandService } from '../command.service';
import type { ContactTracker } from '../contact-tracker';
import type { DeviceAuthenticator } from '../device-auth/device-authenticator';
import { extractCredential, type CredentialSource } from '../device-auth/device-credential';
import type { CheckinMessage, DeviceReport } from '../protocol/messages';
import { readDeviceBody } from './device-body';
import { sendDeviceError, sendDeviceReply } from './device-response';

export interface MdmRouterDeps {
  auth: DeviceAuthenticator;
  credentials: CredentialSource;
  decodeCheckin(body: Buffer): CheckinMessage;
  decodeReport(body: Buffer): DeviceReport & { udid: string };
  checkins: CheckinService;
  commands: CommandService;
  contacts: ContactTracker;
  logger: Logger;
}

const credentialOf = (req: IncomingMessage, src: CredentialSource) => extractCredential(req.headers, req.socket.remoteAddress, src);

/**
 * ServerURL (`PUT /mdm/connect`), on node:http alone: every enrolled iPad polls it, so it skips
 * express (see fast-routes.ts). Steps: raw body → the signature proves a Slate certificate (before
 * any parsing) → decode → the certificate is that device's identity (one query) → the queue (answer
 * and next command) → reply.
 */
export function commandEndpoint(deps: Pick<MdmRouterDeps, 'auth' | 'credentials' | 'decodeReport' | 'commands' | 'contacts' | 'logger'>): FastRoute {
  const handle = async (req: IncomingMessage, res: LocalsResponse): Promise<void> => {
    res.locals.logLevel = 'debug';
    try {
      const raw = await readDeviceBody(req);
      const proven = deps.auth.prove(credentialOf(req, deps.credentials), raw);
      const report = deps.decodeReport(raw);
      const { device } = await deps.auth.device(proven, report.udid);
      const next = await deps.commands.poll(device.deviceId, report, raw);
      await deps.contacts.seen(device.deviceId, new Date());
      sendDeviceReply(res, { status: 200, body: next ?? undefined });
    } catch (err) {
      sendDeviceError(res, deps.logger, err, { endpoint: 'connect' });
    }
  };
  return { method: 'PUT', path: '/mdm/connect', handle: (req, res) => void handle(req, res) };
}

/**
 * CheckInURL (`PUT /mdm/checkin`): raw body → decode → device authentication (Authenticate: the
 * certificate alone, binding is the check-in's; every other message: bound to the device it names)
 * → CheckinService → reply. `commands` is the command endpoint, also reachable through express for
 * paths it normalises (a trailing slash).
 */
export function mdmRouter(deps: MdmRouterDeps, commands: FastRoute): Router {
  const r = Router();
  r.put('/checkin', async (req, res) => {
    try {
      const raw = await readDeviceBody(req);
      const proven = deps.auth.prove(credentialOf(req, deps.credentials), raw);
      const msg = deps.decodeCheckin(raw);
      res.locals.reason = msg.MessageType;
      const reply = msg.MessageType === 'Authenticate'
        ? await deps.checkins.authenticate(msg, await deps.auth.identity(proven))
        : await deps.checkins.handle(msg, await deps.auth.device(proven, CheckinService.udidOf(msg)));
      sendDeviceReply(res, reply ? { status: 200, body: reply.body, contentType: reply.contentType } : { status: 200 });
    } catch (err) {
      sendDeviceError(res, deps.logger, err, { endpoint: 'checkin' });
    }
  });
  r.put('/connect', (req, res) => commands.handle(req, res as unknown as LocalsResponse));
  return r;
}
