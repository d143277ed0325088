import { hkdfSync } from 'node:crypto';
import { KaosError, type Clock } from '@kaosnet/common';
import { protocolIdBytes } from '../crypto/key-schedule.js';
import { selectAeadBackend, type AeadBackend } from '../crypto/aead.backend.js';
import { encodeEndpoints, issueConnectToken, openConnectToken, type TokenKeyRing, type TokenValidationConfig } from '../handshake/connect-token.js';
import { HandshakeDefaults, TokenFlag } from '../handshake/handshake.constants.js';
import { TokenUseTable } from '../handshake/token-use.table.js';
import type { Endpoint } from '../handshake/wire-values.codec.js';
import type { SessionIdentity } from '../session/kaos-session.js';
import type { VerifiedToken } from '../session/session-starter.js';
import type { WsTokenVerifier } from '../ws/ws-endpoint.js';
import type { TransportOptions } from '../transport.options.js';

/** The answer of `POST /api/session/connect` (§4.1). */
export interface ConnectInfo {
  connectToken: string;
  clientToServerKey: string;
  serverToClientKey: string;
  expiresAt: number;
  sessionId: string;
  protocolId: string;
  udp: string[];
  ws: string;
}

/** Derives the 32-byte token key from the server's JWT secret, so one secret configures both. */
export function deriveTokenKey(secret: string, keyId = 1): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), Buffer.from(`kaosnet connect token key ${keyId}`), 32));
}

/**
 * Issues connect tokens (REST side) and validates them for WebSocket use. The token-use table is
 * shared with the UDP handshake so a token admits one connection across both transports (KT-22).
 * Identities (username, vars) of issued tokens are remembered until the token expires, so
 * SessionStart needs no database read.
 */
export class ConnectTokens implements WsTokenVerifier {
  readonly tokenUses: TokenUseTable;
  readonly #keys: TokenKeyRing;
  readonly #pid8: Buffer;
  readonly #aead: AeadBackend = selectAeadBackend();
  readonly #identities = new Map<string, { identity: SessionIdentity; expiresAt: number }>();
  #udpEndpoints: Endpoint[] = [];
  #wsValidation?: TokenValidationConfig;

  constructor(
    private readonly options: TransportOptions,
    private readonly clock: Clock,
    maxConnections: number,
  ) {
    this.#keys = {
      current: { keyId: options.tokenKeys.current.id, key: options.tokenKeys.current.key },
      ...(options.tokenKeys.previous ? { previous: { keyId: options.tokenKeys.previous.id, key: options.tokenKeys.previous.key } } : {}),
    };
    this.#pid8 = protocolIdBytes(options.protocolId);
    this.tokenUses = new TokenUseTable(Math.max(8, 8 * maxConnections));
  }

  get keyRing(): TokenKeyRing {
    return this.#keys;
  }

  get pid8(): Buffer {
    return this.#pid8;
  }

  /** The UDP endpoints tokens list (set once the UDP socket is bound and its port known). */
  setUdpEndpoints(endpoints: Endpoint[]): void {
    this.#udpEndpoints = endpoints;
    this.#wsValidation = {
      pid8: this.#pid8,
      keys: this.#keys,
      transportFlag: TokenFlag.WS,
      publicEndpoints: encodeEndpoints(endpoints),
      clockSkewMs: HandshakeDefaults.tokenClockSkewMs,
    };
  }

  get wsPath(): string {
    return this.options.wsPath;
  }

  get udpEndpoints(): readonly Endpoint[] {
    return this.#udpEndpoints;
  }

  issue(identity: SessionIdentity, wsUrl: string): ConnectInfo {
    if (this.#udpEndpoints.length === 0) throw KaosError.unavailable('Realtime endpoints are not ready');
    const now = this.clock.now();
    const issued = issueConnectToken(
      {
        userId: identity.userId,
        sessionId: identity.sessionId,
        idleTimeoutMs: this.options.idleTimeoutMs,
        flags: TokenFlag.UDP | TokenFlag.WS,
        endpoints: this.#udpEndpoints.slice(0, 8),
        protocolId: this.options.protocolId,
        keyId: this.#keys.current.keyId,
        tokenKey: this.#keys.current.key,
        now,
        lifetimeMs: this.options.tokenLifetimeMs,
      },
      this.#aead,
    );
    this.#remember(identity, issued.expiresAt + HandshakeDefaults.tokenClockSkewMs, now);
    return {
      connectToken: issued.token.toString('base64url'),
      clientToServerKey: issued.keyC2s.toString('base64url'),
      serverToClientKey: issued.keyS2c.toString('base64url'),
      expiresAt: issued.expiresAt,
      sessionId: identity.sessionId,
      protocolId: this.options.protocolId.toString(),
      udp: this.#udpEndpoints.map((e) => (e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`)),
      ws: wsUrl,
    };
  }

  /** The identity remembered for a session id at issuance (until its last token expires). */
  identity(sessionId: string): SessionIdentity | undefined {
    const hit = this.#identities.get(sessionId);
    if (!hit) return undefined;
    if (hit.expiresAt <= this.clock.now()) {
      this.#identities.delete(sessionId);
      return undefined;
    }
    return hit.identity;
  }

  /** §5.3: every §4.2 rule with the WS flag bit, plus single use via the token-use record. */
  verifyForWebSocket(token: Buffer, now: number): VerifiedToken | null {
    if (!this.#wsValidation) return null;
    const result = openConnectToken(token, this.#wsValidation, now, this.#aead);
    if (!result.ok) return null;
    const key = TokenUseTable.keyOf(result.token.tag);
    if (this.tokenUses.get(key, now)) return null;
    const recorded = this.tokenUses.set(
      key,
      { connId: 0, ip: 'ws', port: 0, clientNonce: Buffer.alloc(16), expiresAt: result.token.expiresAt + HandshakeDefaults.tokenClockSkewMs, lastWelcomeResendAt: 0 },
      now,
    );
    if (!recorded) return null;
    return { userId: result.token.userId, sessionId: result.token.sessionId, idleTimeoutMs: result.token.idleTimeoutMs };
  }

  #remember(identity: SessionIdentity, expiresAt: number, now: number): void {
    this.#identities.delete(identity.sessionId);
    this.#identities.set(identity.sessionId, { identity, expiresAt });
    // Bounded by live tokens: drop expired entries from the oldest end on each insert.
    for (const [k, v] of this.#identities) {
      if (v.expiresAt > now) break;
      this.#identities.delete(k);
    }
  }
}
