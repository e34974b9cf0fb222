import type { IncomingHttpHeaders } from 'node:http';
import type { TrustedProxies } from '../../config/trusted-proxies';

/** What a device request presents to prove which certificate it holds. */
export type DeviceCredential =
  /** The `Mdm-Signature` header: base64 detached CMS over the exact body. */
  | { kind: 'signature'; signature: string }
  /** A client certificate the TLS proxy verified and forwarded (RFC 9440 `Client-Cert`). */
  | { kind: 'client-certificate'; certificate: string };

export interface CredentialSource {
  /** Lower-case header name the proxy forwards the client certificate in; unset: off. */
  clientCertHeader: string | undefined;
  trustedProxies: TrustedProxies;
}

/**
 * Step 1 of device authentication: the credential a request carries. A forwarded client certificate
 * counts only from a trusted proxy (which must overwrite the header on every request); from any
 * other peer the header is ignored and the signature decides. Null when there is neither.
 */
export function extractCredential(headers: IncomingHttpHeaders, remoteAddress: string | undefined, src: CredentialSource): DeviceCredential | null {
  if (src.clientCertHeader && src.trustedProxies.includes(remoteAddress)) {
    const forwarded = headers[src.clientCertHeader];
    if (typeof forwarded === 'string' && forwarded.length > 0) return { kind: 'client-certificate', certificate: forwarded };
  }
  const signature = headers['mdm-signature'];
  return typeof signature === 'string' && signature.length > 0 ? { kind: 'signature', signature } : null;
}
