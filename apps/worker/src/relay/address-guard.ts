// Server-side request forgery guard for webhook targets. The check runs in
// the socket's DNS lookup, so the addresses checked are the addresses
// connected to: a host name that resolves to a public address when the
// subscriber is created and to a private one later is still rejected.
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { BlockList, isIP } from "node:net";

// Separate lists: a BlockList also matches IPv4 addresses against
// IPv4-mapped IPv6 rules, which would mix the two families.
const blockedV4 = new BlockList();
const blockedV6 = new BlockList();
for (const [network, prefix] of [
  ["0.0.0.0", 8], // "this" network
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15], // benchmarking
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved and broadcast
] as const) {
  blockedV4.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::", 128], // unspecified
  ["::1", 128], // loopback
  ["64:ff9b::", 96], // NAT64 of IPv4
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  blockedV6.addSubnet(network, prefix, "ipv6");
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (dotted or hex form), or undefined. */
function mappedIPv4(address: string): string | undefined {
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted?.[1]) return dotted[1];
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex?.[1] || !hex[2]) return undefined;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join(".");
}

/**
 * True for loopback, private, link-local, multicast and reserved
 * addresses, IPv4 or IPv6 (an IPv4-mapped IPv6 address is judged by its
 * IPv4 address), and for anything that is not an IP address.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blockedV4.check(address, "ipv4");
  if (family === 6) {
    const mapped = mappedIPv4(address);
    if (mapped) return blockedV4.check(mapped, "ipv4");
    return blockedV6.check(address, "ipv6");
  }
  return true;
}

export class BlockedAddressError extends Error {
  readonly code = "WEBHOOK_ADDRESS_BLOCKED";
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for http.request that resolves every address of the host and
 * fails when any of them is private, so a name with one public and one
 * private record is rejected too.
 */
export function guardedLookup(
  hostname: string,
  options: { all?: boolean },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => {
    if (error) return callback(error, []);
    const rejected = addresses.find((entry) => isPrivateAddress(entry.address));
    if (rejected) {
      return callback(
        new BlockedAddressError(
          `Webhook host ${hostname} resolves to ${rejected.address}, a private, loopback or link-local address; ` +
            "such targets are rejected unless WEBHOOK_ALLOW_PRIVATE_TARGETS=true.",
        ),
        [],
      );
    }
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first) return callback(new Error(`Webhook host ${hostname} has no address.`), []);
    callback(null, first.address, first.family);
  });
}
