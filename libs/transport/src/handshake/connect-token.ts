/**
 * Connect token (spec §4.2, 302 B): sealed by the REST service with ChaCha20-Poly1305 under
 * `tokenKey[key_id]`, opened and validated by game servers. Clients treat it as opaque bytes.
 *
 * | 0 version | 1 key_id | 2 protocol_id u64 | 10 expires_at u64 | 18 nonce 12 | 30 ciphertext 256 | 286 tag 16 |
 * Private part: user_id 16 · session_id 16 · issued_at u64 · key_c2s 32 · key_s2c 32 ·
 * idle_timeout_ms u32 · flags u16 · addr_count u8 · reserved u8 · 8 × {ip 16, port u16 LE}.
 */
import { randomBytes } from 'node:crypto';
import { AEAD_KEY_SIZE, selectAeadBackend } from '../crypto/aead.backend.js';
import type { AeadBackend } from '../crypto/aead.backend.js';
import { CONNECT_TOKEN_SIZE, HandshakeDefaults, HandshakeDropReason, TOKEN_FLAGS_KNOWN, TokenFlag } from './handshake.constants.js';
import { bytesEqual, bytesToUuid, ipToBytes, readU64, uuidToBytes, writeU64 } from './wire-values.codec.js';
import type { Endpoint } from './wire-values.codec.js';
import { ownedCopy } from '../crypto/owned-bytes.js';

export const TOKEN_VERSION = 0x01;
const AAD_END = 18;
const NONCE_AT = 18;
const CIPHERTEXT_AT = 30;
const PRIVATE_SIZE = 256;
export const TOKEN_TAG_AT = 286;
export const TOKEN_TAG_SIZE = 16;
const MAX_ADDRESSES = 8;
const ADDRESS_SIZE = 18;
const ADDRESSES_AT = 112;

export interface TokenKey {
  /** 0–255. */
  readonly keyId: number;
  /** 32 secret bytes shared by the REST service and the game servers. */
  readonly key: Buffer;
}

/** Accepted token keys: the current one and, during rotation, the previous one (§4.2). */
export interface TokenKeyRing {
  readonly current: TokenKey;
  readonly previous?: TokenKey;
}

export interface IssueConnectTokenInput {
  readonly userId: string;
  readonly sessionId: string;
  /** 32 bytes; random when omitted. */
  readonly keyC2s?: Buffer;
  readonly keyS2c?: Buffer;
  /** 0 = server default. */
  readonly idleTimeoutMs: number;
  /** {@link TokenFlag} bits. */
  readonly flags: number;
  /** 1–8 game-server UDP endpoints (IP literals). */
  readonly endpoints: readonly Endpoint[];
  readonly protocolId: bigint;
  readonly keyId: number;
  readonly tokenKey: Buffer;
  readonly now: number;
  /** Default 60,000, at most 300,000. */
  readonly lifetimeMs?: number;
  /** Seam for deterministic tests. */
  readonly random?: (size: number) => Buffer;
}

export interface IssuedConnectToken {
  readonly token: Buffer;
  /** The client's copies of the keys sealed in the token (`clientToServerKey` / `serverToClientKey`). */
  readonly keyC2s: Buffer;
  readonly keyS2c: Buffer;
  readonly expiresAt: number;
  readonly issuedAt: number;
}

function checkKey(name: string, key: Buffer): void {
  if (key.length !== AEAD_KEY_SIZE) throw new RangeError(`${name} must be ${AEAD_KEY_SIZE} bytes`);
}

/**
 * Seals a connect token (REST side).
 *
 * @example
 * const { token, keyC2s, keyS2c, expiresAt } = issueConnectToken({
 *   userId, sessionId, idleTimeoutMs: 0, flags: TokenFlag.UDP | TokenFlag.WS,
 *   endpoints: [{ ip: '203.0.113.7', port: 7350 }], protocolId: 1n, keyId: 1, tokenKey, now: Date.now(),
 * });
 */
export function issueConnectToken(input: IssueConnectTokenInput, aead: AeadBackend = selectAeadBackend()): IssuedConnectToken {
  const random = input.random ?? randomBytes;
  const lifetimeMs = input.lifetimeMs ?? HandshakeDefaults.tokenLifetimeMs;
  if (!Number.isInteger(lifetimeMs) || lifetimeMs <= 0 || lifetimeMs > HandshakeDefaults.maxTokenLifetimeMs) {
    throw new RangeError(`token lifetime must be 1–${HandshakeDefaults.maxTokenLifetimeMs} ms`);
  }
  if (!Number.isInteger(input.keyId) || input.keyId < 0 || input.keyId > 255) throw new RangeError('keyId must be a u8');
  checkKey('tokenKey', input.tokenKey);
  if (input.endpoints.length < 1 || input.endpoints.length > MAX_ADDRESSES) throw new RangeError('a token lists 1–8 endpoints');
  if ((input.flags & ~TOKEN_FLAGS_KNOWN) !== 0 || (input.flags & TOKEN_FLAGS_KNOWN) === 0) {
    throw new RangeError('token flags must allow UDP and/or WS and nothing else');
  }
  if (!Number.isInteger(input.idleTimeoutMs) || input.idleTimeoutMs < 0 || input.idleTimeoutMs > 0xffff_ffff) {
    throw new RangeError('idleTimeoutMs must be a u32');
  }
  const keyC2s = input.keyC2s ?? random(AEAD_KEY_SIZE);
  const keyS2c = input.keyS2c ?? random(AEAD_KEY_SIZE);
  checkKey('keyC2s', keyC2s);
  checkKey('keyS2c', keyS2c);
  const issuedAt = input.now;
  const expiresAt = issuedAt + lifetimeMs;

  const plain = Buffer.alloc(PRIVATE_SIZE);
  uuidToBytes(input.userId).copy(plain, 0);
  uuidToBytes(input.sessionId).copy(plain, 16);
  writeU64(plain, 32, issuedAt);
  keyC2s.copy(plain, 40);
  keyS2c.copy(plain, 72);
  plain.writeUInt32LE(input.idleTimeoutMs, 104);
  plain.writeUInt16LE(input.flags, 108);
  plain[110] = input.endpoints.length;
  input.endpoints.forEach((ep, i) => {
    const ip = ipToBytes(ep.ip);
    if (ip === null || !Number.isInteger(ep.port) || ep.port < 1 || ep.port > 0xffff) {
      throw new RangeError(`endpoint ${ep.ip}:${ep.port} is not an IP literal and port`);
    }
    ip.copy(plain, ADDRESSES_AT + i * ADDRESS_SIZE);
    plain.writeUInt16LE(ep.port, ADDRESSES_AT + i * ADDRESS_SIZE + 16);
  });

  const token = Buffer.alloc(CONNECT_TOKEN_SIZE);
  token[0] = TOKEN_VERSION;
  token[1] = input.keyId;
  token.writeBigUInt64LE(input.protocolId, 2);
  writeU64(token, 10, expiresAt);
  random(12).copy(token, NONCE_AT);
  aead.sealInto(token, CIPHERTEXT_AT, plain, token.subarray(0, AAD_END), token.subarray(NONCE_AT, CIPHERTEXT_AT), input.tokenKey);
  plain.fill(0);
  return { token, keyC2s: Buffer.from(keyC2s), keyS2c: Buffer.from(keyS2c), expiresAt, issuedAt };
}

/** What a game server checks tokens against. */
export interface TokenValidationConfig {
  /** `pid8` of the configured protocol_id. */
  readonly pid8: Buffer;
  readonly keys: TokenKeyRing;
  /** The flag bit of the transport the token arrived on. */
  readonly transportFlag: TokenFlag;
  /** This server's public endpoints, pre-encoded with {@link encodeEndpoints}. */
  readonly publicEndpoints: Buffer;
  readonly clockSkewMs: number;
  readonly isRevoked?: (sessionId: string) => boolean;
}

/** Encodes endpoints as consecutive 18-byte {ip16, port u16 LE} records for fast comparison. */
export function encodeEndpoints(endpoints: readonly Endpoint[]): Buffer {
  const out = Buffer.alloc(endpoints.length * ADDRESS_SIZE);
  endpoints.forEach((ep, i) => {
    const ip = ipToBytes(ep.ip);
    if (ip === null) throw new RangeError(`endpoint ${ep.ip} is not an IP literal`);
    ip.copy(out, i * ADDRESS_SIZE);
    out.writeUInt16LE(ep.port, i * ADDRESS_SIZE + 16);
  });
  return out;
}

/** A validated token. Buffers are fresh copies (safe to keep after the datagram is gone). */
export interface ConnectToken {
  readonly keyId: number;
  readonly expiresAt: number;
  readonly issuedAt: number;
  readonly userId: string;
  readonly sessionId: string;
  readonly keyC2s: Buffer;
  readonly keyS2c: Buffer;
  readonly idleTimeoutMs: number;
  readonly flags: number;
  /** `token_tag`: the token's identity (token-use record key). */
  readonly tag: Buffer;
}

export type TokenOpenResult = { readonly ok: true; readonly token: ConnectToken } | { readonly ok: false; readonly reason: HandshakeDropReason };

function keyFor(keys: TokenKeyRing, keyId: number): Buffer | null {
  if (keys.current.keyId === keyId) return keys.current.key;
  if (keys.previous !== undefined && keys.previous.keyId === keyId) return keys.previous.key;
  return null;
}

/**
 * Cheap public-field checks (step 1 of §4.5): size, version, key_id known, protocol_id, expiry
 * with clock skew. `token` may be a view into a datagram. Returns null when they pass.
 */
export function checkTokenHeader(token: Buffer, config: TokenValidationConfig, now: number): HandshakeDropReason | null {
  if (token.length !== CONNECT_TOKEN_SIZE) return HandshakeDropReason.SIZE;
  if (token[0] !== TOKEN_VERSION) return HandshakeDropReason.TOKEN_VERSION;
  if (keyFor(config.keys, token[1]!) === null) return HandshakeDropReason.TOKEN_KEY_ID;
  if (!bytesEqual(token, 2, config.pid8, 0, 8)) return HandshakeDropReason.TOKEN_PROTOCOL_ID;
  if (!(readU64(token, 10) + config.clockSkewMs > now)) return HandshakeDropReason.TOKEN_EXPIRED;
  return null;
}

function isZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * AEAD open and private-part checks (step 3 of §4.5, after {@link checkTokenHeader} passed):
 * reserved byte and flag bits 0, unused address entries zero, addr_count 1–8, this transport's
 * flag, one of this server's endpoints listed, `isRevoked` false.
 */
export function openTokenBody(token: Buffer, config: TokenValidationConfig, aead: AeadBackend): TokenOpenResult {
  const key = keyFor(config.keys, token[1]!);
  if (key === null) return { ok: false, reason: HandshakeDropReason.TOKEN_KEY_ID };
  const plain = aead.open(token.subarray(CIPHERTEXT_AT), token.subarray(0, AAD_END), token.subarray(NONCE_AT, CIPHERTEXT_AT), key);
  if (plain === null) return { ok: false, reason: HandshakeDropReason.TOKEN_AEAD };
  const flags = plain.readUInt16LE(108);
  const addrCount = plain[110]!;
  if (plain[111] !== 0 || (flags & ~TOKEN_FLAGS_KNOWN) !== 0) return { ok: false, reason: HandshakeDropReason.TOKEN_RESERVED };
  if (addrCount < 1 || addrCount > MAX_ADDRESSES) return { ok: false, reason: HandshakeDropReason.TOKEN_ADDR_COUNT };
  if (!isZero(plain, ADDRESSES_AT + addrCount * ADDRESS_SIZE, PRIVATE_SIZE)) return { ok: false, reason: HandshakeDropReason.TOKEN_RESERVED };
  if ((flags & config.transportFlag) === 0) return { ok: false, reason: HandshakeDropReason.TOKEN_TRANSPORT };
  let listed = false;
  const mine = config.publicEndpoints;
  for (let i = 0; i < addrCount && !listed; i++) {
    for (let j = 0; j < mine.length; j += ADDRESS_SIZE) {
      if (bytesEqual(plain, ADDRESSES_AT + i * ADDRESS_SIZE, mine, j, ADDRESS_SIZE)) {
        listed = true;
        break;
      }
    }
  }
  if (!listed) return { ok: false, reason: HandshakeDropReason.TOKEN_ENDPOINT };
  const sessionId = bytesToUuid(plain, 16);
  if (config.isRevoked !== undefined && config.isRevoked(sessionId)) return { ok: false, reason: HandshakeDropReason.TOKEN_REVOKED };
  const result: ConnectToken = {
    keyId: token[1]!,
    expiresAt: readU64(token, 10),
    issuedAt: readU64(plain, 32),
    userId: bytesToUuid(plain, 0),
    sessionId,
    keyC2s: Buffer.from(plain.subarray(40, 72)),
    keyS2c: Buffer.from(plain.subarray(72, 104)),
    idleTimeoutMs: plain.readUInt32LE(104),
    flags,
    tag: ownedCopy(token.subarray(TOKEN_TAG_AT, TOKEN_TAG_AT + TOKEN_TAG_SIZE)),
  };
  plain.fill(0);
  return { ok: true, token: result };
}

/**
 * Every §4.2 validation rule in order (what the WS endpoint uses for SessionStart's `token`).
 *
 * @example
 * const r = openConnectToken(tokenBytes, config, Date.now());
 * if (!r.ok) metrics.drop(r.reason);
 */
export function openConnectToken(token: Buffer, config: TokenValidationConfig, now: number, aead: AeadBackend = selectAeadBackend()): TokenOpenResult {
  const reason = checkTokenHeader(token, config, now);
  if (reason !== null) return { ok: false, reason };
  return openTokenBody(token, config, aead);
}
