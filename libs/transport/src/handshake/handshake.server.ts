/**
 * Server side of the RUDP handshake (spec §4.5), sans-IO: the UDP endpoint hands it every
 * datagram whose byte 0 is HELLO (0x48) or RESPONSE (0x58) and acts on the returned outcome.
 * It keeps no per-HELLO state (KT-30): only the rotating cookie secret, the bounded per-IP rate
 * buckets and the bounded token-use table. Any failure is a counted drop; nothing is sent.
 */
import { randomBytes } from 'node:crypto';
import { selectAeadBackend } from '../crypto/aead.backend.js';
import type { AeadBackend, AeadPreference } from '../crypto/aead.backend.js';
import { PacketType } from '../crypto/data-packet.codec.js';
import { macEquals } from '../crypto/hmac16.js';
import { deriveDataKeys, deriveHandshakeC2s, deriveHandshakeS2c, protocolIdBytes } from '../crypto/key-schedule.js';
import { checkTokenHeader, encodeEndpoints, openTokenBody } from './connect-token.js';
import type { ConnectToken, TokenKeyRing, TokenValidationConfig } from './connect-token.js';
import { CookieSecrets } from './cookie-secrets.js';
import { CLIENT_NONCE_SIZE, DeniedReason, HELLO_SIZE, HandshakeDefaults, HandshakeDropReason, RESPONSE_SIZE, SERVER_NONCE_SIZE, TokenFlag } from './handshake.constants.js';
import {
  HelloLayout,
  ResponseLayout,
  cookieMac,
  encodeChallenge,
  encodeDenied,
  verifyHelloMac,
  verifyResponseMac,
} from './handshake-packets.codec.js';
import { HandshakeRateLimiter, RateVerdict } from './handshake-rate.limiter.js';
import { TokenUseTable } from './token-use.table.js';
import { bytesEqual, ipToBytes, readU64 } from './wire-values.codec.js';
import type { Endpoint } from './wire-values.codec.js';
import { ownedCopy } from '../crypto/owned-bytes.js';

/** What the handshake needs to know about the endpoint's connections. */
export interface HandshakeHost {
  connectionCount(): number;
  connectionCountForIp(ip: string): number;
  isDraining(): boolean;
  /** True while `connId` is PENDING (WELCOME not yet confirmed by authenticated DATA). */
  isPending(connId: number): boolean;
  /** A random, non-zero conn_id unique on this server. */
  allocateConnId(): number;
}

/** Optional hooks (§7.2 `KtAdmission`, `KtLimiter.onHandshake`). */
export interface HandshakeHooks {
  isRevoked?(sessionId: string): boolean;
  isBanned?(userId: string, ip: string): boolean;
  /** false → drop, before token decryption. */
  onHandshake?(ip: string, now: number): boolean;
}

export interface HandshakeServerOptions {
  readonly protocolId: bigint;
  readonly tokenKeys: TokenKeyRing;
  /** This server's UDP endpoints as listed in tokens. */
  readonly publicEndpoints: readonly Endpoint[];
  readonly maxConnections: number;
  readonly host: HandshakeHost;
  readonly hooks?: HandshakeHooks;
  /** Clock reading at construction (cookie secret rotation starts here). */
  readonly now: number;
  readonly maxConnectionsPerIp?: number;
  readonly maxHandshakesPerSec?: number;
  readonly perIpHandshakesPerSec?: number;
  readonly perIpHandshakeBurst?: number;
  readonly maxTrackedIps?: number;
  readonly cookieLifetimeMs?: number;
  readonly cookieSecretRotateMs?: number;
  readonly tokenClockSkewMs?: number;
  readonly welcomeResendMinMs?: number;
  /** Token-use records shared with the WebSocket endpoint, so a token admits one connection across both (KT-22). */
  readonly tokenUses?: TokenUseTable;
  readonly aead?: AeadPreference;
  /** Seam for deterministic tests. */
  readonly random?: (size: number) => Buffer;
}

/** Everything the endpoint needs to create the PENDING connection (§4.5 step 8). */
export interface AcceptedConnection {
  readonly connId: number;
  readonly address: Endpoint;
  readonly userId: string;
  readonly sessionId: string;
  /** `K_c2s`: opens client packets. */
  readonly keyC2s: Buffer;
  /** `K_s2c`: seals server packets. */
  readonly keyS2c: Buffer;
  readonly clientNonce: Buffer;
  readonly serverNonce: Buffer;
  /** `now − cookie_time`: the first RTT sample (§3.7). */
  readonly rttSeedMs: number;
  /** `resume` = 1 was requested; the endpoint decides whether `prevConnId` can be resumed (§4.6). */
  readonly resumeRequested: boolean;
  readonly prevConnId: number;
  readonly tokenTag: Buffer;
  readonly tokenExpiresAt: number;
  /** From the token; 0 = server default. */
  readonly idleTimeoutMs: number;
}

export type HandshakeOutcome =
  | { readonly kind: 'drop'; readonly reason: HandshakeDropReason }
  | { readonly kind: 'challenge'; readonly bytes: Buffer }
  | { readonly kind: 'denied'; readonly bytes: Buffer; readonly reason: DeniedReason }
  | { readonly kind: 'resend-welcome'; readonly connId: number }
  | { readonly kind: 'accept'; readonly connection: AcceptedConnection };

export type DropOutcome = Extract<HandshakeOutcome, { kind: 'drop' }>;

/** Preallocated drop outcomes: a flood of bad datagrams allocates nothing for its answers. */
const DROPS = Object.freeze(
  Object.fromEntries(Object.values(HandshakeDropReason).map((reason) => [reason, Object.freeze({ kind: 'drop', reason })])),
) as Readonly<Record<HandshakeDropReason, DropOutcome>>;

export interface HandshakeCounters {
  readonly drops: Record<HandshakeDropReason, number>;
  challenges: number;
  denied: number;
  accepted: number;
  welcomeResends: number;
  bytesIn: number;
  bytesOut: number;
}

export class HandshakeServer {
  readonly #pid8: Buffer;
  readonly #host: HandshakeHost;
  readonly #hooks: HandshakeHooks;
  readonly #maxConnections: number;
  readonly #maxPerIp: number;
  readonly #cookieLifetimeMs: number;
  readonly #skewMs: number;
  readonly #welcomeResendMinMs: number;
  readonly #random: (size: number) => Buffer;
  readonly #aead: AeadBackend;
  readonly #cookies: CookieSecrets;
  readonly #rate: HandshakeRateLimiter;
  readonly #tokenUses: TokenUseTable;
  #tokenConfig: TokenValidationConfig;
  readonly counters: HandshakeCounters;

  constructor(options: HandshakeServerOptions) {
    this.#pid8 = protocolIdBytes(options.protocolId);
    this.#host = options.host;
    this.#hooks = options.hooks ?? {};
    this.#maxConnections = options.maxConnections;
    this.#maxPerIp = options.maxConnectionsPerIp ?? HandshakeDefaults.maxConnectionsPerIp;
    this.#cookieLifetimeMs = options.cookieLifetimeMs ?? HandshakeDefaults.cookieLifetimeMs;
    this.#skewMs = options.tokenClockSkewMs ?? HandshakeDefaults.tokenClockSkewMs;
    this.#welcomeResendMinMs = options.welcomeResendMinMs ?? HandshakeDefaults.welcomeResendMinMs;
    this.#random = options.random ?? randomBytes;
    this.#aead = selectAeadBackend(options.aead ?? 'auto');
    this.#cookies = new CookieSecrets(options.now, options.cookieSecretRotateMs ?? HandshakeDefaults.cookieSecretRotateMs, this.#random);
    this.#rate = new HandshakeRateLimiter({
      perIpPerSec: options.perIpHandshakesPerSec,
      perIpBurst: options.perIpHandshakeBurst,
      maxTrackedIps: options.maxTrackedIps,
      globalPerSec: options.maxHandshakesPerSec,
    });
    this.#tokenUses = options.tokenUses ?? new TokenUseTable(Math.max(1, HandshakeDefaults.tokenUseTableFactor * options.maxConnections));
    const hooks = this.#hooks;
    this.#tokenConfig = {
      pid8: this.#pid8,
      keys: options.tokenKeys,
      transportFlag: TokenFlag.UDP,
      publicEndpoints: encodeEndpoints(options.publicEndpoints),
      clockSkewMs: this.#skewMs,
      isRevoked: hooks.isRevoked === undefined ? undefined : (sessionId) => hooks.isRevoked!(sessionId),
    };
    const drops = Object.fromEntries(Object.values(HandshakeDropReason).map((r) => [r, 0])) as Record<HandshakeDropReason, number>;
    this.counters = { drops, challenges: 0, denied: 0, accepted: 0, welcomeResends: 0, bytesIn: 0, bytesOut: 0 };
  }

  /** Replaces the accepted token keys (daily rotation: new current, old current becomes previous). */
  setTokenKeys(keys: TokenKeyRing): void {
    this.#tokenConfig = { ...this.#tokenConfig, keys };
  }

  /** Forces a cookie-secret rotation (it also happens lazily every `cookieSecretRotateMs`). */
  rotateCookieSecret(now: number): void {
    this.#cookies.rotate(now);
  }

  /** Token-use records held (bounded to 8 × maxConnections). */
  get tokenUseRecords(): number {
    return this.#tokenUses.size;
  }

  /** Per-IP rate buckets held (bounded by `maxTrackedIps`). */
  get trackedIps(): number {
    return this.#rate.trackedIps;
  }

  /** Removes expired token-use records; call from the endpoint's housekeeping tick. */
  sweep(now: number): void {
    this.#tokenUses.sweep(now);
  }

  /**
   * Processes one HELLO or RESPONSE datagram from `from`.
   *
   * @example
   * const out = handshake.onDatagram(now, msg, { ip: rinfo.address, port: rinfo.port });
   * if (out.kind === 'challenge' || out.kind === 'denied') socket.send(out.bytes, rinfo.port, rinfo.address);
   */
  onDatagram(now: number, packet: Buffer, from: Endpoint): HandshakeOutcome {
    this.counters.bytesIn += packet.length;
    const type = packet.length > 0 ? packet[0] : -1;
    let outcome: HandshakeOutcome;
    if (type === PacketType.HELLO) {
      outcome = this.#onHello(now, packet, from);
    } else if (type === PacketType.RESPONSE) {
      outcome = this.#onResponse(now, packet, from);
    } else {
      outcome = DROPS[HandshakeDropReason.TYPE];
    }
    switch (outcome.kind) {
      case 'drop':
        this.counters.drops[outcome.reason]++;
        break;
      case 'challenge':
        this.counters.challenges++;
        this.counters.bytesOut += outcome.bytes.length;
        break;
      case 'denied':
        this.counters.denied++;
        this.counters.bytesOut += outcome.bytes.length;
        break;
      case 'resend-welcome':
        this.counters.welcomeResends++;
        break;
      case 'accept':
        this.counters.accepted++;
        break;
    }
    return outcome;
  }

  /** Steps 1 and 2, shared by HELLO and RESPONSE. */
  #precheck(now: number, packet: Buffer, size: number, tokenAt: number, from: Endpoint): DropOutcome | null {
    if (packet.length !== size) return DROPS[HandshakeDropReason.SIZE];
    if (!bytesEqual(packet, 1, this.#pid8, 0, 8)) return DROPS[HandshakeDropReason.PROTOCOL_ID];
    const tokenReason = checkTokenHeader(packet.subarray(tokenAt, tokenAt + 302), this.#tokenConfig, now);
    if (tokenReason !== null) return DROPS[tokenReason];
    const verdict = this.#rate.take(from.ip, now);
    if (verdict === RateVerdict.IP) return DROPS[HandshakeDropReason.RATE_IP];
    if (verdict === RateVerdict.GLOBAL) return DROPS[HandshakeDropReason.RATE_GLOBAL];
    const hook = this.#hooks.onHandshake;
    if (hook !== undefined && !hook.call(this.#hooks, from.ip, now)) return DROPS[HandshakeDropReason.LIMITER_HOOK];
    return null;
  }

  #onHello(now: number, packet: Buffer, from: Endpoint): HandshakeOutcome {
    const early = this.#precheck(now, packet, HELLO_SIZE, HelloLayout.TOKEN, from);
    if (early !== null) return early;
    const ip16 = ipToBytes(from.ip);
    if (ip16 === null) return DROPS[HandshakeDropReason.ADDRESS];
    const opened = openTokenBody(packet.subarray(HelloLayout.TOKEN, HelloLayout.MAC), this.#tokenConfig, this.#aead);
    if (!opened.ok) return DROPS[opened.reason];
    const token = opened.token;
    const clientNonce = packet.subarray(HelloLayout.CLIENT_NONCE, HelloLayout.TOKEN);
    if (!verifyHelloMac(packet, deriveHandshakeC2s(token.keyC2s, clientNonce, this.#pid8))) {
      return DROPS[HandshakeDropReason.HELLO_MAC];
    }
    this.#cookies.rotateIfDue(now);
    const serverNonce = this.#random(SERVER_NONCE_SIZE);
    const mac = cookieMac(this.#cookies.current, { clientIp: ip16, clientPort: from.port, cookieTime: now, clientNonce, serverNonce, tokenTag: token.tag });
    const bytes = encodeChallenge(
      { clientNonce, serverNonce, cookieTime: now, cookieMac: mac },
      deriveHandshakeS2c(token.keyS2c, clientNonce, this.#pid8),
    );
    return { kind: 'challenge', bytes };
  }

  #checkCookie(now: number, packet: Buffer, from: Endpoint): HandshakeDropReason | null {
    const cookieTime = readU64(packet, ResponseLayout.COOKIE_TIME);
    const age = now - cookieTime;
    if (!(age >= 0 && age <= this.#cookieLifetimeMs)) return HandshakeDropReason.COOKIE_AGE;
    const ip16 = ipToBytes(from.ip);
    if (ip16 === null) return HandshakeDropReason.ADDRESS;
    const fields = {
      clientIp: ip16,
      clientPort: from.port,
      cookieTime,
      clientNonce: packet.subarray(ResponseLayout.CLIENT_NONCE, ResponseLayout.SERVER_NONCE),
      serverNonce: packet.subarray(ResponseLayout.SERVER_NONCE, ResponseLayout.COOKIE_TIME),
      tokenTag: packet.subarray(ResponseLayout.TOKEN + 286, ResponseLayout.TOKEN + 302),
    };
    const received = packet.subarray(ResponseLayout.COOKIE_MAC, ResponseLayout.RESUME);
    this.#cookies.rotateIfDue(now);
    const previous = this.#cookies.previous;
    const valid =
      macEquals(cookieMac(this.#cookies.current, fields), received) || (previous !== null && macEquals(cookieMac(previous, fields), received));
    if (!valid) return HandshakeDropReason.COOKIE_MAC;
    const resume = packet[ResponseLayout.RESUME];
    const prev = packet.readUInt32LE(ResponseLayout.PREV_CONN_ID);
    if (!((resume === 0 && prev === 0) || (resume === 1 && prev !== 0))) return HandshakeDropReason.RESUME_FIELDS;
    return null;
  }

  #onResponse(now: number, packet: Buffer, from: Endpoint): HandshakeOutcome {
    // Order 1, 2, 5, 3, 6, 7, 8 (§4.5): the cookie needs no decryption, so it comes before the token.
    const early = this.#precheck(now, packet, RESPONSE_SIZE, ResponseLayout.TOKEN, from);
    if (early !== null) return early;
    const cookieReason = this.#checkCookie(now, packet, from);
    if (cookieReason !== null) return DROPS[cookieReason];
    const opened = openTokenBody(packet.subarray(ResponseLayout.TOKEN, ResponseLayout.MAC), this.#tokenConfig, this.#aead);
    if (!opened.ok) return DROPS[opened.reason];
    const token = opened.token;
    const clientNonce = packet.subarray(ResponseLayout.CLIENT_NONCE, ResponseLayout.SERVER_NONCE);
    if (!verifyResponseMac(packet, deriveHandshakeC2s(token.keyC2s, clientNonce, this.#pid8))) {
      return DROPS[HandshakeDropReason.RESPONSE_MAC];
    }
    const resume = packet[ResponseLayout.RESUME] === 1;
    const prevConnId = packet.readUInt32LE(ResponseLayout.PREV_CONN_ID);

    // Step 6: token-use record.
    const key = TokenUseTable.keyOf(token.tag);
    const record = this.#tokenUses.get(key, now);
    if (record !== undefined) {
      const sameAttempt = record.ip === from.ip && record.port === from.port && bytesEqual(record.clientNonce, 0, clientNonce, 0, CLIENT_NONCE_SIZE);
      if (sameAttempt && this.#host.isPending(record.connId)) {
        if (now - record.lastWelcomeResendAt < this.#welcomeResendMinMs) return DROPS[HandshakeDropReason.WELCOME_THROTTLED];
        record.lastWelcomeResendAt = now;
        return { kind: 'resend-welcome', connId: record.connId };
      }
      if (!(resume && prevConnId === record.connId)) return DROPS[HandshakeDropReason.TOKEN_REUSED];
    } else if (!this.#tokenUses.hasRoom(now)) {
      return DROPS[HandshakeDropReason.TOKEN_TABLE_FULL];
    }

    // Step 7: admission.
    const denied = this.#admission(token, from);
    if (denied !== null) {
      const bytes = encodeDenied(clientNonce, denied, deriveHandshakeS2c(token.keyS2c, clientNonce, this.#pid8));
      return { kind: 'denied', bytes, reason: denied };
    }

    // Step 8: allocate, derive keys, seed RTT, record the token use.
    const connId = this.#host.allocateConnId();
    const serverNonce = Buffer.from(packet.subarray(ResponseLayout.SERVER_NONCE, ResponseLayout.COOKIE_TIME));
    // Kept in the token-use record until the token expires: its own 16 bytes, not a pool slab.
    const clientNonceCopy = ownedCopy(clientNonce);
    const keys = deriveDataKeys(token.keyC2s, token.keyS2c, clientNonceCopy, serverNonce, this.#pid8);
    this.#tokenUses.set(
      key,
      { connId, ip: from.ip, port: from.port, clientNonce: clientNonceCopy, expiresAt: token.expiresAt + this.#skewMs, lastWelcomeResendAt: now },
      now,
    );
    return {
      kind: 'accept',
      connection: {
        connId,
        address: { ip: from.ip, port: from.port },
        userId: token.userId,
        sessionId: token.sessionId,
        keyC2s: keys.c2s,
        keyS2c: keys.s2c,
        clientNonce: clientNonceCopy,
        serverNonce,
        // Whole wall-clock ms: on loopback often 0, which the estimator reads as "no sample"
        // (333 ms, a WELCOME resend only after ~1 s). The cookie check keeps it ≥ 0; 0 means < 1 ms.
        rttSeedMs: Math.max(1, now - readU64(packet, ResponseLayout.COOKIE_TIME)),
        resumeRequested: resume,
        prevConnId,
        tokenTag: token.tag,
        tokenExpiresAt: token.expiresAt,
        idleTimeoutMs: token.idleTimeoutMs,
      },
    };
  }

  #admission(token: ConnectToken, from: Endpoint): DeniedReason | null {
    const host = this.#host;
    if (host.connectionCount() >= this.#maxConnections) return DeniedReason.SERVER_FULL;
    const banned = this.#hooks.isBanned;
    if (banned !== undefined && banned.call(this.#hooks, token.userId, from.ip)) return DeniedReason.FORBIDDEN;
    if (host.connectionCountForIp(from.ip) >= this.#maxPerIp) return DeniedReason.ADDRESS_LIMIT;
    if (host.isDraining()) return DeniedReason.UNAVAILABLE;
    return null;
  }
}
