/**
 * Test fixtures for the handshake specs (not a test itself): a deterministic PRNG, a fake
 * connection host, and a token issuer with a fixed configuration.
 */
import { issueConnectToken } from './connect-token.js';
import type { IssueConnectTokenInput, IssuedConnectToken, TokenKeyRing } from './connect-token.js';
import { TokenFlag } from './handshake.constants.js';
import { HandshakeServer } from './handshake.server.js';
import type { HandshakeHooks, HandshakeHost, HandshakeServerOptions } from './handshake.server.js';
import type { Endpoint } from './wire-values.codec.js';

/** mulberry32: small, seeded, deterministic. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededBytes(seed: number): (size: number) => Buffer {
  const next = seededRandom(seed);
  return (size) => {
    const out = Buffer.allocUnsafe(size);
    for (let i = 0; i < size; i++) out[i] = Math.floor(next() * 256);
    return out;
  };
}

export const T0 = Date.UTC(2026, 0, 1);
export const PROTOCOL_ID = 0x123456789abcdef0n;
export const SERVER: Endpoint = { ip: '203.0.113.7', port: 7350 };
export const CLIENT: Endpoint = { ip: '198.51.100.20', port: 50_000 };
export const TOKEN_KEY = Buffer.alloc(32, 0x11);
export const OLD_TOKEN_KEY = Buffer.alloc(32, 0x22);
export const KEY_RING: TokenKeyRing = { current: { keyId: 2, key: TOKEN_KEY }, previous: { keyId: 1, key: OLD_TOKEN_KEY } };
export const USER_ID = '0b6c2f2e-8f3c-4b4e-9a57-2d1b7d0e5a11';
export const SESSION_ID = 'c5b1b6f4-2a4d-4f0e-8d7e-9b3c1a2e4f60';

export function issue(overrides: Partial<IssueConnectTokenInput> = {}): IssuedConnectToken {
  return issueConnectToken({
    userId: USER_ID,
    sessionId: SESSION_ID,
    idleTimeoutMs: 0,
    flags: TokenFlag.UDP | TokenFlag.WS,
    endpoints: [SERVER],
    protocolId: PROTOCOL_ID,
    keyId: 2,
    tokenKey: TOKEN_KEY,
    now: T0,
    random: seededBytes(99),
    ...overrides,
  });
}

/** A host whose connections are plain records the test can inspect and change. */
export class FakeHost implements HandshakeHost {
  readonly connections = new Map<number, { ip: string; pending: boolean }>();
  draining = false;
  #next = 0x1000;

  connectionCount(): number {
    return this.connections.size;
  }
  connectionCountForIp(ip: string): number {
    let n = 0;
    for (const c of this.connections.values()) if (c.ip === ip) n++;
    return n;
  }
  isDraining(): boolean {
    return this.draining;
  }
  isPending(connId: number): boolean {
    return this.connections.get(connId)?.pending === true;
  }
  allocateConnId(): number {
    return ++this.#next;
  }
  add(connId: number, ip: string, pending = true): void {
    this.connections.set(connId, { ip, pending });
  }
}

export function makeServer(
  host: FakeHost,
  overrides: Partial<HandshakeServerOptions> = {},
  hooks: HandshakeHooks = {},
): HandshakeServer {
  return new HandshakeServer({
    protocolId: PROTOCOL_ID,
    tokenKeys: KEY_RING,
    publicEndpoints: [SERVER],
    maxConnections: 100,
    host,
    hooks,
    now: T0,
    random: seededBytes(7),
    ...overrides,
  });
}
