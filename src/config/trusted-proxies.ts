import { BlockList, isIP } from 'node:net';

/**
 * The peers allowed to vouch for a device's client certificate (CLIENT_CERT_TRUSTED_PROXIES): the
 * TLS proxies in front of Slate. Anyone else can set any header, so from them it is ignored.
 */
export class TrustedProxies {
  private constructor(private readonly list: BlockList, readonly empty: boolean) {}

  /** `10.0.0.5, 10.1.0.0/16, ::1`; throws with the offending entry. */
  static parse(spec: string | undefined): TrustedProxies {
    const list = new BlockList();
    const entries = (spec ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    for (const entry of entries) {
      const [addr, bits, extra] = entry.split('/');
      const family = isIP(addr ?? '');
      if (!family || extra !== undefined) throw new Error(`not an IP address or CIDR: ${entry}`);
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (bits === undefined) {
        list.addAddress(addr!, type);
        continue;
      }
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) throw new Error(`bad prefix length: ${entry}`);
      list.addSubnet(addr!, prefix, type);
    }
    return new TrustedProxies(list, entries.length === 0);
  }

  includes(remoteAddress: string | undefined): boolean {
    if (!remoteAddress || this.empty) return false;
    // A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d.
    const v4 = remoteAddress.startsWith('::ffff:') ? remoteAddress.slice(7) : undefined;
    if (v4 && isIP(v4) === 4) return this.list.check(v4, 'ipv4');
    const family = isIP(remoteAddress);
    return family !== 0 && this.list.check(remoteAddress, family === 6 ? 'ipv6' : 'ipv4');
  }
}
