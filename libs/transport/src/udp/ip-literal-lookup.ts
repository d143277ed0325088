import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';

/** Literals seen recently: `isIP` runs two regular expressions, and a server sends to the same peers. */
const literals = new Map<string, number>();
const MAX_CACHED = 4_096;

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
  let family = literals.get(hostname);
  if (family === undefined) {
    family = isIP(hostname);
    if (family !== 0) {
      if (literals.size >= MAX_CACHED) literals.clear();
      literals.set(hostname, family);
    }
  }
  if (family !== 0) {
    cb(null, hostname, family);
    return;
  }
  const opts: LookupOneOptions = typeof options === 'number' ? { family: options } : typeof options === 'object' ? options : {};
  dnsLookup(hostname, opts, cb);
}

/** @internal Test seam: how many literals the cache holds (bounded by MAX_CACHED). */
export function cachedLiteralCount(): number {
  return literals.size;
}
