import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Names and addresses of cloud instance-metadata endpoints. They hand out credentials of the
 * machine the runtime runs on, so they stay blocked even when a call may reach private networks.
 */
const METADATA_HOSTNAMES = new Set(['metadata.google.internal', 'metadata.goog', 'metadata.azure.internal']);
const METADATA_ADDRESSES = new Set(
  ['169.254.169.254', 'fd00:ec2::254', '169.254.170.2', '100.100.100.200'].map((a) => ipaddr.parse(a).toNormalizedString()),
);

/** Lowercase, no IPv6 brackets, no trailing root dot: the form the allowlist is compared in. */
export function normalizeHostname(hostname: string): string {
  let host = hostname.trim().toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  while (host.endsWith('.')) host = host.slice(0, -1);
  return host;
}

/**
 * `api.example.com` matches only itself; `*.example.com` matches any name below example.com
 * (a.example.com, a.b.example.com) but not example.com itself, as in TLS wildcard habits.
 */
export function isHostAllowed(hostname: string, allowedHosts: readonly string[]): boolean {
  const host = normalizeHostname(hostname);
  for (const raw of allowedHosts) {
    const pattern = normalizeHostname(raw);
    if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1);
      if (host.length > suffix.length && host.endsWith(suffix)) return true;
    } else if (pattern === host) {
      return true;
    }
  }
  return false;
}

export function isMetadataHostname(hostname: string): boolean {
  return METADATA_HOSTNAMES.has(normalizeHostname(hostname));
}

export interface AddressPolicyOptions {
  allowPrivateNetwork: boolean;
  /** CIDRs (or single addresses) that count as reachable even though they are private. */
  allowedPrivateAddresses?: readonly string[];
}

/** Decides whether the runtime may open a connection to a resolved IP address. */
export class AddressPolicy {
  private readonly exceptions: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>;

  constructor(private readonly options: AddressPolicyOptions) {
    this.exceptions = (options.allowedPrivateAddresses ?? []).map((entry) => {
      if (ipaddr.isValidCIDR(entry)) return ipaddr.parseCIDR(entry);
      if (ipaddr.isValid(entry)) {
        const addr = ipaddr.process(entry);
        return [addr, addr.kind() === 'ipv4' ? 32 : 128] as [ipaddr.IPv4 | ipaddr.IPv6, number];
      }
      throw new Error(`allowedPrivateAddresses entry "${entry}" is neither an IP address nor a CIDR such as 10.0.0.0/8`);
    });
  }

  /** Why the address is refused, or null when it may be contacted. */
  blockReason(address: string): string | null {
    if (!ipaddr.isValid(address)) return 'not a valid IP address';
    // process() unwraps IPv4-mapped IPv6 (::ffff:127.0.0.1) so it is judged as the IPv4 it is.
    const addr = ipaddr.process(address);
    if (METADATA_ADDRESSES.has(addr.toNormalizedString())) return 'cloud metadata endpoint';
    const range = addr.range();
    if (range === 'unicast') return null;
    if (this.options.allowPrivateNetwork) return null;
    for (const [net, bits] of this.exceptions) {
      if (net.kind() === addr.kind() && addr.match(net, bits)) return null;
    }
    return describeRange(range);
  }
}

function describeRange(range: string): string {
  switch (range) {
    case 'loopback': return 'loopback address';
    case 'linkLocal': return 'link-local address';
    case 'private': return 'private network address';
    case 'uniqueLocal': return 'unique-local (private) IPv6 address';
    case 'carrierGradeNat': return 'carrier-grade NAT address';
    case 'multicast': return 'multicast address';
    case 'unspecified': return 'unspecified address';
    case 'broadcast': return 'broadcast address';
    default: return `special-purpose address (${range})`;
  }
}

export function isIpLiteral(hostname: string): boolean {
  return isIP(normalizeHostname(hostname)) !== 0;
}
