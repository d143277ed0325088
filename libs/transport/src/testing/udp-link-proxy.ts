import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { performance } from 'node:perf_hooks';
import { LinkConditioner, type LinkProfile } from './link-conditioner.js';
import { SeededRandom } from './seeded-random.js';

export interface UdpLinkProxyOptions {
  /** The real server (loopback only). */
  target: { address: string; port: number };
  /** Impairments client → server and server → client. */
  upstream?: LinkProfile;
  downstream?: LinkProfile;
  seed: number;
  /** The proxy closes itself after this long (default 60 s): a forgotten proxy never outlives a test run. */
  maxLifetimeMs?: number;
  /** Distinct client sources served (default 64); further sources are ignored. */
  maxClients?: number;
}

interface ClientMapping {
  readonly client: RemoteInfo;
  readonly socket: Socket;
}

const LOOPBACK = '127.0.0.1';
/** Longest delay applied to one datagram, whatever the profile says. */
const MAX_DELAY_MS = 5_000;

function assertLoopback(address: string): void {
  if (!address.startsWith('127.')) {
    throw new RangeError(`UdpLinkProxy only targets loopback, not ${address}`);
  }
}

/**
 * The {@link LinkConditioner} as a UDP proxy on 127.0.0.1 for end-to-end runs against a real
 * server: clients send to {@link port}; each client source gets its own upstream socket (so the
 * server sees one address per client and can observe a "NAT rebinding" via {@link rebind}).
 * Real timers, bounded delays and lifetime; deterministic impairment decisions per seed (the
 * arrival order still depends on the OS).
 */
export class UdpLinkProxy {
  readonly #options: UdpLinkProxyOptions;
  readonly #up: LinkConditioner;
  readonly #down: LinkConditioner;
  readonly #front: Socket;
  readonly #clients = new Map<string, ClientMapping>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #lifetime: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #t0 = performance.now();

  constructor(options: UdpLinkProxyOptions) {
    assertLoopback(options.target.address);
    // Created after the check: as a field initializer it ran first, and a refused target leaked an
    // open UDP handle (Jest's "worker failed to exit gracefully").
    this.#front = createSocket('udp4');
    this.#options = options;
    const rng = new SeededRandom(options.seed);
    this.#up = new LinkConditioner(options.upstream ?? {}, new SeededRandom(rng.nextUint32()));
    this.#down = new LinkConditioner(options.downstream ?? {}, new SeededRandom(rng.nextUint32()));
  }

  get upstreamStats(): LinkConditioner['stats'] {
    return this.#up.stats;
  }

  get downstreamStats(): LinkConditioner['stats'] {
    return this.#down.stats;
  }

  /** Binds 127.0.0.1:0 (or `port`) and returns the port clients should send to. */
  async start(port = 0): Promise<number> {
    this.#front.on('message', (msg, rinfo) => this.#fromClient(msg, rinfo));
    this.#front.on('error', () => void this.close());
    await new Promise<void>((resolve) => this.#front.bind(port, LOOPBACK, resolve));
    this.#lifetime = setTimeout(() => void this.close(), this.#options.maxLifetimeMs ?? 60_000);
    this.#lifetime.unref();
    return this.port;
  }

  get port(): number {
    return this.#front.address().port;
  }

  /** Gives every client a new upstream socket (new source port at the server): simulated NAT rebinding. */
  async rebind(): Promise<void> {
    for (const [key, mapping] of this.#clients) {
      this.#clients.delete(key);
      mapping.socket.close();
    }
  }

  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    if (this.#lifetime !== undefined) {
      clearTimeout(this.#lifetime);
    }
    for (const t of this.#timers) {
      clearTimeout(t);
    }
    this.#timers.clear();
    for (const mapping of this.#clients.values()) {
      mapping.socket.close();
    }
    this.#clients.clear();
    await new Promise<void>((resolve) => this.#front.close(() => resolve()));
  }

  #now(): number {
    return performance.now() - this.#t0;
  }

  #fromClient(msg: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed) {
      return;
    }
    const key = `${rinfo.address}:${rinfo.port}`;
    let mapping = this.#clients.get(key);
    if (mapping === undefined) {
      if (this.#clients.size >= (this.#options.maxClients ?? 64)) {
        return;
      }
      const socket = createSocket('udp4');
      mapping = { client: rinfo, socket };
      const m = mapping;
      socket.on('message', (reply) => this.#fromServer(reply, m));
      socket.on('error', () => undefined);
      socket.bind(0, LOOPBACK);
      this.#clients.set(key, mapping);
    }
    const socket = mapping.socket;
    const { address, port } = this.#options.target;
    this.#schedule(this.#up, msg, (bytes) => socket.send(bytes, port, address));
  }

  #fromServer(msg: Buffer, mapping: ClientMapping): void {
    if (this.#closed) {
      return;
    }
    this.#schedule(this.#down, msg, (bytes) => this.#front.send(bytes, mapping.client.port, mapping.client.address));
  }

  #schedule(link: LinkConditioner, msg: Buffer, send: (bytes: Buffer) => void): void {
    const now = this.#now();
    for (const d of link.transmit(now, msg)) {
      const delay = Math.min(MAX_DELAY_MS, Math.max(0, d.at - now));
      if (delay < 0.5) {
        send(d.bytes);
        continue;
      }
      const timer = setTimeout(() => {
        this.#timers.delete(timer);
        if (!this.#closed) {
          send(d.bytes);
        }
      }, delay);
      this.#timers.add(timer);
    }
  }
}
