/**
 * Device-assigned App Store licences (Apple's "Apps and Books" / VPP): before Slate sends
 * InstallApplication for an App Store app with PurchaseMethod 1, the device's serial number must
 * hold a licence for the app. Managing licences against Apple School Manager is the ASM issue's
 * work; the reconciler depends only on this interface.
 * https://developer.apple.com/documentation/devicemanagement/app-and-book-management
 */
export interface LicenceRequest {
  adamId: number;
  bundleId: string;
  deviceId: string;
  serialNumber: string | null;
}

export type LicenceResult =
  | { status: 'assigned'; source: string }
  /** No licence free (or the provider cannot reach Apple): do not install; retry later. */
  | { status: 'unavailable'; reason: string; retryAfterMs?: number };

export interface LicenceProvider {
  readonly name: string;
  /** Makes sure the device holds a licence for the app (idempotent). */
  assign(request: LicenceRequest): Promise<LicenceResult>;
  /** Gives the licence back after the app left the device (idempotent). */
  release(request: LicenceRequest): Promise<void>;
}

/**
 * Assumes every licence already exists (assigned by hand in Apple School Manager) and never
 * contacts Apple. Named for what it does so nobody mistakes it for licence management: if a
 * licence is in fact missing, the device answers InstallApplication with an error, which the
 * reconciler records as a failed install with Apple's ErrorChain.
 */
export class AssumeLicencesExistProvider implements LicenceProvider {
  readonly name = 'assume-licences-exist';

  async assign(request: LicenceRequest): Promise<LicenceResult> {
    return { status: 'assigned', source: `assumed (adamId ${request.adamId}); not checked with Apple` };
  }

  async release(): Promise<void> {
    // Nothing was assigned, so nothing is released.
  }
}
