import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may be delivered (OWASP API7, server-side request forgery). A subscriber names a URL;
 * the platform must not become a way to reach what only it can reach: loopback, the private networks
 * the services and stores live on, link-local (cloud metadata at 169.254.169.254 and [fd00:ec2::254]),
 * carrier-grade NAT, multicast, unspecified and reserved ranges, and IPv4 written inside IPv6.
 *
 * The host is resolved and every address it resolves to must be public, both when the webhook is
 * subscribed and at each delivery (DNS may change between the two: rebinding); the delivery then
 * connects to the very address checked (pinned), follows no redirect, and reports failures as a few
 * classes, never as socket details that would map the inside. An operator allowlist
 * (`WEBHOOK_ALLOWED_TARGETS`: CIDRs, addresses or host names) lets on-premise receivers and tests through.
 */
const DENIED_IPV4 = [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const;
const DENIED_IPV6 = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64: likewise
  ['64:ff9b:1::', 48],
  ['100::', 64], // discard
  ['2001::', 23], // IETF protocol assignments (Teredo, benchmarking…)
  ['2001:db8::', 32], // documentation
  ['2002::', 16], // 6to4: embeds IPv4
  ['fc00::', 7], // unique local (fd00:ec2::254 among them)
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
] as const;

export type TargetCheck = { ok: true; address: string; family: 4 | 6 } | { ok: false; reason: string };

export class WebhookTargetPolicy {
  private readonly denied = new BlockList();
  /** IPv4 written as IPv6 (::ffff:127.0.0.1): refused outright. Kept apart because a BlockList matches every IPv4 address against this range. */
  private readonly ipv4Mapped = new BlockList();
  private readonly allowedNets = new BlockList();
  private readonly allowedHosts = new Set<string>();

  constructor(allowlist: readonly string[], private readonly resolve: (host: string) => Promise<{ address: string; family: number }[]> = defaultResolve) {
    for (const [net, prefix] of DENIED_IPV4) this.denied.addSubnet(net, prefix, 'ipv4');
    for (const [net, prefix] of DENIED_IPV6) this.denied.addSubnet(net, prefix, 'ipv6');
    this.ipv4Mapped.addSubnet('::ffff:0:0', 96, 'ipv6');
    for (const entry of allowlist.map((e) => e.trim()).filter(Boolean)) {
      const [net, prefix] = entry.split('/');
      const family = isIP(net);
      if (family === 0) this.allowedHosts.add(entry.toLowerCase());
      else this.allowedNets.addSubnet(net, prefix === undefined ? (family === 4 ? 32 : 128) : Number(prefix), family === 4 ? 'ipv4' : 'ipv6');
    }
  }

  /** Whether deliveries may go to this URL now, and the address to connect to. */
  async check(url: URL): Promise<TargetCheck> {
    // The WHATWG parser has already normalised IPv4 in any notation (0x7f000001, 2130706433, 0177.1) to dotted form.
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    const allowedHost = this.allowedHosts.has(host);
    let addresses: { address: string; family: number }[];
    if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
    else {
      try {
        addresses = await this.resolve(host);
      } catch {
        return { ok: false, reason: 'the host name does not resolve' };
      }
    }
    if (addresses.length === 0) return { ok: false, reason: 'the host name does not resolve' };
    for (const { address, family } of addresses) {
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (allowedHost || this.allowedNets.check(address, type)) continue;
      if (this.denied.check(address, type) || (type === 'ipv6' && this.ipv4Mapped.check(address, 'ipv6'))) {
        return { ok: false, reason: 'the host is, or resolves to, a loopback, private, link-local, shared, multicast or reserved address' };
      }
    }
    return { ok: true, address: addresses[0].address, family: addresses[0].family === 6 ? 6 : 4 };
  }
}

async function defaultResolve(host: string) {
  return dnsLookup(host, { all: true, verbatim: true });
}

/** What a delivery came to: the status, or one of a few failure classes (never socket details). */
export type DeliveryResult = { status: number } | { failure: DeliveryFailure };
export type DeliveryFailure = 'target refused' | 'redirect not followed' | 'connection failed' | 'timed out' | 'tls failed';

/**
 * POSTs to the URL, connected to the checked address only (the name is kept for TLS and the Host
 * header), without following redirects, within the time limit.
 */
export function postPinned(url: URL, target: { address: string; family: 4 | 6 }, headers: Record<string, string>, body: string, timeoutMs: number): Promise<DeliveryResult> {
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: DeliveryResult) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    const req = request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
        // Pinned: whatever the name resolves to now, the connection goes to the address checked.
        lookup: (_host, options, callback) => {
          const cb = callback as (err: Error | null, address: string | { address: string; family: number }[], family?: number) => void;
          if ((options as { all?: boolean }).all) cb(null, [{ address: target.address, family: target.family }]);
          else cb(null, target.address, target.family);
        },
        timeout: timeoutMs,
      },
      (res: IncomingMessage) => {
        res.resume();
        const status = res.statusCode ?? 0;
        done(status >= 300 && status < 400 ? { failure: 'redirect not followed' } : { status });
      },
    );
    req.on('timeout', () => {
      done({ failure: 'timed out' });
      req.destroy();
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      const tls = /CERT|SSL|TLS|ERR_TLS/i.test(`${error.code ?? ''} ${error.message}`);
      done({ failure: tls ? 'tls failed' : 'connection failed' });
    });
    req.end(body);
  });
}
