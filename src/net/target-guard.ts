import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Every outbound target Labwire connects to — webhook URLs and Mirth host/port saved on an
 * integration, the lab backend — could point at the worker's own network (SSRF). The address
 * is judged after DNS resolution, at connect time, so a name that resolves to a public address
 * when saved and to 127.0.0.1 when sent (DNS rebinding) is still refused. A refused target is
 * never connected to, so its error says nothing about whether a port there is open.
 */
export class BlockedTargetError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
    readonly hostname: string,
    readonly port?: number,
  ) {
    const target = port === undefined ? hostname : `${hostname} port ${port}`;
    super(`Blocked target address ${address} (${reason}) for host ${target}; not allowed unless TARGET_ALLOWLIST includes it`);
    this.name = 'BlockedTargetError';
  }

  /** The lookup knows the name but not the port; the connector that called it adds the port. */
  atPort(port: number): BlockedTargetError {
    return this.port === undefined ? new BlockedTargetError(this.address, this.reason, this.hostname, port) : this;
  }
}

/** Cloud instance-metadata endpoints hand out credentials: named apart from plain link-local. */
const metadataAddresses = new Set(['169.254.169.254', 'fd00:ec2::254']);

/** ipaddr.js range names in our words; every range not listed here is reported as reserved. */
const reasonByRange: Record<string, string> = {
  private: 'private',
  uniqueLocal: 'private',
  carrierGradeNat: 'private',
  loopback: 'loopback',
  linkLocal: 'link-local',
  unspecified: 'unspecified',
  multicast: 'multicast',
  broadcast: 'broadcast',
};

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Network = [Address, number];

/** Judges one resolved address: undefined when it may be contacted, otherwise why not. */
export type TargetPolicy = (address: string) => string | undefined;

export function createTargetPolicy(allowedNetworks: readonly string[]): TargetPolicy {
  const allowed = allowedNetworks.map(parseNetwork);
  return (text) => {
    if (!ipaddr.isValid(text)) return 'not an IP address';
    const address = unmapped(ipaddr.parse(text));
    if (allowed.some((network) => inNetwork(address, network))) return undefined;
    if (metadataAddresses.has(address.toString())) return 'metadata';
    const range = address.range();
    // Only globally routable unicast passes; NAT64, 6to4, Teredo and friends can tunnel inwards.
    return range === 'unicast' ? undefined : (reasonByRange[range] ?? 'reserved');
  };
}

export function assertTargetAllowed(policy: TargetPolicy, address: string, hostname: string, port?: number): void {
  const reason = policy(address);
  if (reason !== undefined) throw new BlockedTargetError(address, reason, hostname, port);
}

/** A drop-in for dns.lookup that refuses the whole answer when any address is blocked, so no fallback address sneaks through. */
export function createGuardedLookup(policy: TargetPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '');
      try {
        for (const { address } of addresses) assertTargetAllowed(policy, address, hostname);
      } catch (blocked) {
        return callback(blocked as BlockedTargetError, '');
      }
      const first = addresses[0];
      if (options.all === true) return callback(null, addresses);
      if (first === undefined) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' }), '');
      return callback(null, first.address, first.family);
    });
  };
}

function parseNetwork(cidr: string): Network {
  try {
    return ipaddr.parseCIDR(cidr);
  } catch {
    throw new Error(`Invalid allowed network '${cidr}': expected CIDR notation like 127.0.0.0/8 or ::1/128`);
  }
}

/** ::ffff:127.0.0.1 reaches 127.0.0.1, so it is judged as the IPv4 address it carries. */
function unmapped(address: Address): Address {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** ipaddr.js throws when an IPv4 address is matched against an IPv6 network, so the kinds are compared first. */
function inNetwork(address: Address, network: Network): boolean {
  return address.kind() === network[0].kind() && address.match(network);
}
