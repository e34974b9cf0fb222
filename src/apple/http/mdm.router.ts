import { Router, type Request } from 'express';
import type { IncomingMessage } from 'node:http';
import type { AppleAuthContext } from '../../db/stores';
import { AppError } from '../../errors';
import type { FastRoute, LocalsResponse } from '../../http/fast-routes';
import type { Logger } from '../../log/logger';
import type { CheckinMessage, DeviceIdentity } from '../checkin.types';
import type { CheckinService } from '../checkin.service';
import type { ContactTracker } from '../contact-tracker';
import type { CommandService, DeviceReport } from '../command.service';
import { sendDeviceError, sendDeviceReply } from './device-response';
import { readDeviceBody } from './device-body';

export interface DeviceCredentials {
  /** The `Mdm-Signature` header: base64 detached CMS over the raw body. */
  signature?: string;
  /** A client certificate forwarded by the TLS proxy (RFC 9440 `Client-Cert`), when configured. */
  clientCert?: string;
}

export interface MdmRouterDeps {
  authenticate(creds: DeviceCredentials, body: Buffer): Promise<DeviceIdentity>;
  /** As authenticate, plus the device bound to the certificate (null when none). */
  authenticateConnect(creds: DeviceCredentials, body: Buffer): Promise<{ identity: DeviceIdentity; device: AppleAuthContext | null }>;
  decodeCheckin(body: Buffer): CheckinMessage;
  decodeReport(body: Buffer): DeviceReport & { udid: string };
  checkins: CheckinService;
  commands: CommandService;
  contacts: ContactTracker;
  clientCertHeader: string | undefined;
  logger: Logger;
}

/**
 * ServerURL (`PUT /mdm/connect`), on node:http alone: every enrolled iPad polls it, so it skips
 * express (see fast-routes.ts). Steps: raw body → certificate and its device (one query) → decode
 * → the queue (answer and next command) → reply.
 */
export function commandEndpoint(deps: Omit<MdmRouterDeps, 'decodeCheckin' | 'checkins' | 'authenticate'>): FastRoute {
  const handle = async (req: IncomingMessage, res: LocalsResponse): Promise<void> => {
    res.locals.logLevel = 'debug';
    try {
      const raw = await readDeviceBody(req);
      const signature = req.headers['mdm-signature'];
      const clientCert = deps.clientCertHeader ? req.headers[deps.clientCertHeader.toLowerCase()] : undefined;
      const creds: DeviceCredentials = { signature: typeof signature === 'string' ? signature : undefined, clientCert: typeof clientCert === 'string' ? clientCert : undefined };
      const { device: ctx } = await deps.authenticateConnect(creds, raw);
      const report = deps.decodeReport(raw);
      if (!ctx) throw new AppError('device_auth_failed', 'certificate not bound to an enrolled device');
      if (ctx.udid !== report.udid) throw new AppError('device_auth_failed', 'certificate not bound to this device');
      const next = await deps.commands.poll(ctx.deviceId, report, raw);
      await deps.contacts.seen(ctx.deviceId, new Date());
      sendDeviceReply(res, { status: 200, body: next ?? undefined });
    } catch (err) {
      sendDeviceError(res, deps.logger, err, { endpoint: 'connect' });
    }
  };
  return { method: 'PUT', path: '/mdm/connect', handle: (req, res) => void handle(req, res) };
}

/**
 * The two Apple device endpoints: CheckInURL (`/mdm/checkin`) and ServerURL (`/mdm/connect`).
 * Each request is a pipeline of named steps: raw body → authenticate → decode → service → reply.
 * `commands` is the same command endpoint the server also routes ahead of express.
 */
export function mdmRouter(deps: MdmRouterDeps, commands: FastRoute): Router {
  const r = Router();
  const credentials = (req: Request): DeviceCredentials => ({
    signature: req.get('mdm-signature') ?? undefined,
    clientCert: deps.clientCertHeader ? req.get(deps.clientCertHeader) ?? undefined : undefined,
  });

  r.put('/checkin', async (req, res) => {
    try {
      const raw = await readDeviceBody(req);
      const identity = await deps.authenticate(credentials(req), raw);
      const msg = deps.decodeCheckin(raw);
      res.locals.reason = msg.MessageType;
      sendDeviceReply(res, await deps.checkins.handle(msg, identity));
    } catch (err) {
      sendDeviceError(res, deps.logger, err, { endpoint: 'checkin' });
    }
  });

  // Reached here only for paths express normalises (e.g. a trailing slash); the server routes the
  // exact ServerURL to commandEndpoint directly (src/http/fast-routes.ts).
  r.put('/connect', (req, res) => commands.handle(req, res as unknown as LocalsResponse));
  return r;
}
