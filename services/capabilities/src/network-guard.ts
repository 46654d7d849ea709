/**
 * The network rule of every host-held connection a connector asks for (PostgreSQL, RabbitMQ,
 * Kafka): the address it reaches must be public unless the platform allows private networks
 * (FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK, or chosen addresses), and never a cloud metadata
 * endpoint. The address policy is the sandbox's own (`AddressPolicy`, the SSRF guard of
 * `ctx.http`), so every capability judges addresses alike.
 *
 * A name is resolved once and the connection is made to a checked address (`resolve`, or the
 * `lookup` given to net/tls connect), so a DNS answer cannot change between check and connect.
 * Node does not call `lookup` for IP literals: `resolve` / `assertAddress` cover those.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { AddressPolicy } from '@flowport/sandbox';

export type NetworkGuardOptions = {
  /**
   * Allow loopback, private, link-local and other internal addresses. Default false: a tenant's
   * account must not reach the platform's own database, broker or internal services.
   */
  allowPrivateNetwork?: boolean;
  /** Private addresses or CIDRs reachable even when private networks are not allowed. */
  allowedPrivateAddresses?: string[];
  /**
   * How a refusal says private networks are allowed where this guard runs. Default: the
   * platform's setting, FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK=true.
   */
  allowPrivateNetworkHint?: string;
};

export class NetworkGuardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NetworkGuardError';
  }
}

/** What the errors call the host and what they advise, e.g. `PostgreSQL host` / `use a public database address`. */
export type GuardedService = { service: string; fix: string };

export class NetworkGuard {
  private readonly policy: AddressPolicy;
  readonly allowPrivateNetwork: boolean;
  private readonly allowHint: string;

  constructor(options: NetworkGuardOptions = {}) {
    this.allowPrivateNetwork = options.allowPrivateNetwork ?? false;
    this.allowHint = options.allowPrivateNetworkHint ?? 'an operator can allow private networks with FLOWPORT_SANDBOX_ALLOW_PRIVATE_NETWORK=true';
    this.policy = new AddressPolicy({ allowPrivateNetwork: this.allowPrivateNetwork, allowedPrivateAddresses: options.allowedPrivateAddresses ?? [] });
  }

  /** Why the address may not be contacted, or null when it may. */
  blockReason(address: string): string | null {
    return this.policy.blockReason(address);
  }

  /** Throws when an IP address may not be contacted. */
  assertAddress(host: string, address: string, what: GuardedService): void {
    const reason = this.blockReason(address);
    if (reason) throw this.refusal(host, [reason], what);
  }

  /** The addresses of `host` that may be contacted, in resolver order; throws when there is none. */
  async resolve(host: string, what: GuardedService): Promise<LookupAddress[]> {
    const bare = host.replace(/^\[|\]$/g, '');
    let addresses: LookupAddress[];
    if (isIP(bare)) {
      addresses = [{ address: bare, family: isIP(bare) }];
    } else {
      try {
        addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(bare, { all: true }, (error, found) => (error ? reject(error) : resolve(found))));
      } catch (error) {
        throw new NetworkGuardError(`Could not resolve the ${what.service} "${host}": ${(error as Error).message}. Check the host name in the account.`);
      }
    }
    return this.allowed(bare, addresses, what);
  }

  /**
   * A `lookup` for `net.connect` / `tls.connect` options that keeps only the addresses the
   * policy allows and fails the connection with the guard's error when none is left.
   */
  lookupFor(what: GuardedService): LookupFunction {
    return (hostname, options, callback) => {
      dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
        if (error) return callback(error, '', 0);
        let allowed: LookupAddress[];
        try {
          allowed = this.allowed(hostname, addresses, what);
        } catch (refused) {
          return callback(refused as NodeJS.ErrnoException, '', 0);
        }
        if (options.all) callback(null, allowed);
        else callback(null, allowed[0].address, allowed[0].family);
      });
    };
  }

  private allowed(host: string, addresses: LookupAddress[], what: GuardedService): LookupAddress[] {
    const reasons: string[] = [];
    const allowed = addresses.filter((a) => {
      const reason = this.blockReason(a.address);
      if (reason && !reasons.includes(reason)) reasons.push(reason);
      return reason === null;
    });
    if (allowed.length === 0) throw this.refusal(host, reasons, what);
    return allowed;
  }

  private refusal(host: string, reasons: string[], what: GuardedService): NetworkGuardError {
    const metadata = reasons.includes('cloud metadata endpoint');
    const hint = metadata ? 'never reachable by connectors' : this.allowHint;
    return new NetworkGuardError(
      `${what.service} "${host}" is a private or internal address, which connectors may not reach; ${what.fix} (${reasons.join(', ') || 'no address'}; ${hint})`,
    );
  }
}
