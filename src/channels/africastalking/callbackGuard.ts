import net from 'node:net';
import type { RequestHandler } from 'express';
import { sameSecret } from '../webhook';

export interface AtCallbackPolicy {
  /** Production serves Africa's Talking callbacks only with a secret. */
  production: boolean;
  /** AT_WEBHOOK_SECRET: callbacks carry it as `?secret=` (it is part of the callback URL). */
  secret?: string;
  /** AT_ALLOWED_IPS: the addresses and ranges Africa's Talking calls from. */
  allowedIps?: string[];
}

/** Whether Africa's Talking callbacks are served, and if not, why (for `/healthz` and the start log). */
export function atCallbackStatus(policy: Pick<AtCallbackPolicy, 'production' | 'secret'>): { enabled: true } | { enabled: false; reason: string } {
  if (policy.production && !policy.secret) {
    return { enabled: false, reason: "AT_WEBHOOK_SECRET is not set: Africa's Talking callbacks cannot be authenticated, so they are not served in production" };
  }
  return { enabled: true };
}

/** A matcher for a list of addresses and CIDR ranges (IPv4-mapped IPv6 addresses match their IPv4 range). */
export function addressMatcher(list: string[]): (address: string | undefined) => boolean {
  const blocks = new net.BlockList();
  for (const entry of list) {
    const [address, prefix] = entry.split('/');
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) blocks.addAddress(address, family);
    else blocks.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    if (!address || !net.isIP(address)) return false;
    return blocks.check(address, net.isIP(address) === 6 ? 'ipv6' : 'ipv4');
  };
}

/**
 * Runs before anything else on every Africa's Talking endpoint (USSD, its end-of-session
 * notification, SMS, delivery reports): in production without a secret the endpoint is
 * off (503); a wrong or missing secret is 403; a client address outside AT_ALLOWED_IPS
 * (as TRUST_PROXY computes it) is 403. Nothing of the request is read before this passes.
 */
export function atCallbackGuard(policy: AtCallbackPolicy): RequestHandler {
  const status = atCallbackStatus(policy);
  const allowed = policy.allowedIps ? addressMatcher(policy.allowedIps) : undefined;
  return (req, res, next) => {
    if (!status.enabled) {
      res.status(503).type('text/plain').send("unavailable: Africa's Talking callbacks are disabled on this server (AT_WEBHOOK_SECRET is not set)");
      return;
    }
    if (policy.secret && !sameSecret(req.query.secret, policy.secret)) {
      res.status(403).type('text/plain').send('forbidden: missing or wrong secret');
      return;
    }
    if (allowed && !allowed(req.ip)) {
      res.status(403).type('text/plain').send('forbidden: this address may not call this endpoint');
      return;
    }
    next();
  };
}
