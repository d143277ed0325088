import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * `lookup` for a server's dgram socket. dgram resolves the destination of every unconnected
 * `send`, even an IP literal, through `dns.lookup`, which answers a literal on the next tick: each
 * reply then waits for the tick queue and pays the lookup's argument handling. The server only
 * ever sends to addresses it received from (IP literals), so those are answered at once; anything
 * else (a host name given to `bind`) still goes to `dns.lookup`.
 */
export function ipLiteralLookup(hostname: string, options: LookupOneOptions | number | LookupCallback, callback?: LookupCallback): void {
  const cb = (typeof options === 'function' ? options : callback)!;
  const family = isIP(hostname);
  if (family !== 0) {
    cb(null, hostname, family);
    return;
  }
  const opts: LookupOneOptions = typeof options === 'number' ? { family: options } : typeof options === 'object' ? options : {};
  dnsLookup(hostname, opts, cb);
}
