import type { ApnsClient, ApnsPush, PushCredentials } from './apns-client';
import type { ApnsOutcome } from './apns-response';

/**
 * The push topic a development Slate enrols devices with while it has no APNs push certificate
 * (production never uses it). Its name says what it is wherever it shows up: in profiles, in
 * `slate apns show`, in the start-up log. Apple knows no such topic; pushes for it are not sent,
 * so devices enrolled with it are reached only when they poll (as `slate sim` iPads do).
 */
export const DEVELOPMENT_TOPIC = 'com.apple.mgmt.External.slate-development';

const DEVELOPMENT_CREDENTIALS: PushCredentials = { topic: DEVELOPMENT_TOPIC, certPem: '', keyPem: '', fingerprint: 'slate-development' };

/** The uploaded push certificate when there is one, else the development topic. */
export function withDevelopmentTopic<C extends { credentials(): PushCredentials | null; refresh(): Promise<unknown> }>(real: C) {
  return {
    credentials: (): PushCredentials => real.credentials() ?? DEVELOPMENT_CREDENTIALS,
    refresh: () => real.refresh(),
  };
}

/** Sends pushes for real topics through `real`; a push for the development topic goes nowhere. */
export class DevelopmentApnsClient implements ApnsClient {
  constructor(private readonly real: ApnsClient) {}

  send(creds: PushCredentials, push: ApnsPush): Promise<ApnsOutcome> {
    if (creds.topic === DEVELOPMENT_TOPIC) return Promise.resolve({ kind: 'withheld', reason: 'development push topic: nothing is sent' });
    return this.real.send(creds, push);
  }

  close(): Promise<void> {
    return this.real.close();
  }
}
