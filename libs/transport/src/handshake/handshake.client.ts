/**
 * Client side of the RUDP handshake (spec §6 client table, IDLE → … → CONNECTED), sans-IO. The
 * caller sends what `start`, `onDatagram` and `poll` return and calls `poll(now)` at
 * `nextTimeout()`. It ends at the first DATA packet that opens under `K_s2c` (the WELCOME
 * carrier); frame parsing from there on is the RUDP connection's job.
 */
import { randomBytes } from 'node:crypto';
import type { AeadPreference } from '../crypto/aead.backend.js';
import { Direction, PacketType, isDataPacket, readConnId, readPacketNumber } from '../crypto/data-packet.codec.js';
import { deriveDataKeys, deriveHandshakeC2s, deriveHandshakeS2c, protocolIdBytes } from '../crypto/key-schedule.js';
import type { DataKeys } from '../crypto/key-schedule.js';
import { createPacketCipher } from '../crypto/packet-cipher.js';
import type { PacketCipher } from '../crypto/packet-cipher.js';
import { CLIENT_NONCE_SIZE, CONNECT_TOKEN_SIZE, HandshakeDefaults } from './handshake.constants.js';
import {
  encodeHello,
  encodeResponse,
  parseChallenge,
  parseDenied,
  verifyChallengeMac,
  verifyDeniedMac,
} from './handshake-packets.codec.js';

export const HandshakeClientState = {
  IDLE: 'idle',
  HELLO_SENT: 'hello-sent',
  RESPONSE_SENT: 'response-sent',
  CONNECTED: 'connected',
  FAILED: 'failed',
} as const;
export type HandshakeClientState = (typeof HandshakeClientState)[keyof typeof HandshakeClientState];

export interface HandshakeClientOptions {
  /** The connect token as received from REST (302 B, opaque). */
  readonly token: Buffer;
  /** `clientToServerKey` / `serverToClientKey` from REST (32 B each). */
  readonly keyC2s: Buffer;
  readonly keyS2c: Buffer;
  readonly protocolId: bigint;
  /** Resume the connection `prevConnId` (§4.6); omit for a fresh connection. */
  readonly resume?: { readonly prevConnId: number };
  readonly resendMs?: number;
  readonly timeoutMs?: number;
  readonly cookieLifetimeMs?: number;
  readonly aead?: AeadPreference;
  /** Seam for deterministic tests. */
  readonly random?: (size: number) => Buffer;
}

export type HandshakeFailure = { readonly kind: 'timeout' } | { readonly kind: 'denied'; readonly reason: number };

/** Result of the handshake: everything the RUDP client connection starts from. */
export interface EstablishedConnection {
  readonly connId: number;
  /** Plaintext frames of the first DATA packet (WELCOME first, §10.1) and its pn. */
  readonly plaintext: Buffer;
  readonly pn: number;
  readonly keys: DataKeys;
  /** Seals client → server packets (`K_c2s`, dir 0x00). */
  readonly sendCipher: PacketCipher;
  /** Opens server → client packets (`K_s2c`, dir 0x01). */
  readonly receiveCipher: PacketCipher;
  /** HELLO sent → matching CHALLENGE (§3.7 seed). */
  readonly rttSeedMs: number;
  readonly resumeRequested: boolean;
}

export type HandshakeClientEvent =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'send'; readonly bytes: Buffer }
  | { readonly kind: 'failed'; readonly failure: HandshakeFailure }
  | { readonly kind: 'established'; readonly connection: EstablishedConnection };

interface SentHello {
  readonly nonce: Buffer;
  readonly sentAt: number;
}

const IGNORED: HandshakeClientEvent = Object.freeze({ kind: 'ignored' });

export class HandshakeClient {
  #state: HandshakeClientState = HandshakeClientState.IDLE;
  #failure: HandshakeFailure | null = null;
  readonly #opts: HandshakeClientOptions;
  readonly #pid8: Buffer;
  readonly #random: (size: number) => Buffer;
  readonly #resendMs: number;
  readonly #timeoutMs: number;
  readonly #cookieLifetimeMs: number;
  readonly #hellos: SentHello[] = [];
  #deadline = Infinity;
  #nextResendAt = Infinity;
  #challengeAt = 0;
  #response: Buffer | null = null;
  #responseNonce: Buffer | null = null;
  #hsS2c: Buffer | null = null;
  #keys: DataKeys | null = null;
  #receive: PacketCipher | null = null;
  #rttSeedMs = 0;

  constructor(options: HandshakeClientOptions) {
    if (options.token.length !== CONNECT_TOKEN_SIZE) throw new RangeError(`connect token must be ${CONNECT_TOKEN_SIZE} bytes`);
    if (options.keyC2s.length !== 32 || options.keyS2c.length !== 32) throw new RangeError('handshake keys must be 32 bytes');
    if (options.resume !== undefined && (options.resume.prevConnId >>> 0 !== options.resume.prevConnId || options.resume.prevConnId === 0)) {
      throw new RangeError('prevConnId must be a non-zero u32');
    }
    this.#opts = options;
    this.#pid8 = protocolIdBytes(options.protocolId);
    this.#random = options.random ?? randomBytes;
    this.#resendMs = options.resendMs ?? HandshakeDefaults.handshakeResendMs;
    this.#timeoutMs = options.timeoutMs ?? HandshakeDefaults.handshakeTimeoutMs;
    this.#cookieLifetimeMs = options.cookieLifetimeMs ?? HandshakeDefaults.cookieLifetimeMs;
  }

  get state(): HandshakeClientState {
    return this.#state;
  }

  get failure(): HandshakeFailure | null {
    return this.#failure;
  }

  /** Absolute time of the next resend or the handshake timeout; Infinity when nothing is armed. */
  nextTimeout(): number {
    if (this.#state !== HandshakeClientState.HELLO_SENT && this.#state !== HandshakeClientState.RESPONSE_SENT) return Infinity;
    return Math.min(this.#deadline, this.#nextResendAt);
  }

  /**
   * IDLE → HELLO_SENT: returns the first HELLO and arms the resend (200 ms) and handshake (5 s) timers.
   *
   * @example
   * const hs = new HandshakeClient({ token, keyC2s, keyS2c, protocolId });
   * socket.send(hs.start(Date.now()), port, host);
   */
  start(now: number): Buffer {
    if (this.#state !== HandshakeClientState.IDLE) throw new Error(`handshake already started (${this.#state})`);
    this.#deadline = now + this.#timeoutMs;
    return this.#sendHello(now);
  }

  #sendHello(now: number): Buffer {
    const nonce = this.#random(CLIENT_NONCE_SIZE);
    this.#hellos.push({ nonce, sentAt: now });
    if (this.#hellos.length > HandshakeDefaults.rememberedClientNonces) this.#hellos.shift();
    this.#state = HandshakeClientState.HELLO_SENT;
    this.#nextResendAt = now + this.#resendMs;
    this.#response = null;
    const o = this.#opts;
    return encodeHello({ pid8: this.#pid8, clientNonce: nonce, token: o.token }, deriveHandshakeC2s(o.keyC2s, nonce, this.#pid8));
  }

  /**
   * Timers: resends HELLO (new nonce) or RESPONSE (unchanged), starts over with a HELLO when the
   * cookie is older than 5 s, fails with `timeout` at the handshake deadline. Returns the datagram
   * to send, if any.
   */
  poll(now: number): Buffer | null {
    if (this.#state !== HandshakeClientState.HELLO_SENT && this.#state !== HandshakeClientState.RESPONSE_SENT) return null;
    if (now >= this.#deadline) {
      this.#fail({ kind: 'timeout' });
      return null;
    }
    if (this.#state === HandshakeClientState.RESPONSE_SENT && now - this.#challengeAt > this.#cookieLifetimeMs) {
      return this.#sendHello(now);
    }
    if (now < this.#nextResendAt) return null;
    this.#nextResendAt = now + this.#resendMs;
    return this.#state === HandshakeClientState.HELLO_SENT ? this.#sendHello(now) : this.#response;
  }

  /**
   * A datagram from the server address (the caller filters by address). CHALLENGE in HELLO_SENT →
   * RESPONSE to send; valid DENIED in RESPONSE_SENT → failed; the first DATA packet that opens under
   * `K_s2c` in RESPONSE_SENT → established. Everything else is ignored.
   */
  onDatagram(now: number, packet: Buffer): HandshakeClientEvent {
    if (packet.length === 0) return IGNORED;
    const type = packet[0];
    if (type === PacketType.CHALLENGE && this.#state === HandshakeClientState.HELLO_SENT) return this.#onChallenge(now, packet);
    if (type === PacketType.DENIED && this.#state === HandshakeClientState.RESPONSE_SENT) return this.#onDenied(packet);
    if (type === PacketType.DATA && this.#state === HandshakeClientState.RESPONSE_SENT) return this.#onData(packet);
    return IGNORED;
  }

  #onChallenge(now: number, packet: Buffer): HandshakeClientEvent {
    const fields = parseChallenge(packet);
    if (fields === null) return IGNORED;
    const hello = this.#hellos.find((h) => h.nonce.equals(fields.clientNonce));
    if (hello === undefined) return IGNORED;
    const o = this.#opts;
    const hsS2c = deriveHandshakeS2c(o.keyS2c, hello.nonce, this.#pid8);
    if (!verifyChallengeMac(packet, hsS2c)) return IGNORED;
    this.#rttSeedMs = now - hello.sentAt;
    this.#keys = deriveDataKeys(o.keyC2s, o.keyS2c, hello.nonce, fields.serverNonce, this.#pid8);
    this.#receive = createPacketCipher(this.#keys.s2c, Direction.S2C, o.aead);
    this.#hsS2c = hsS2c;
    this.#responseNonce = hello.nonce;
    this.#response = encodeResponse(
      {
        pid8: this.#pid8,
        clientNonce: hello.nonce,
        serverNonce: fields.serverNonce,
        cookieTime: fields.cookieTime,
        cookieMac: fields.cookieMac,
        resume: o.resume === undefined ? 0 : 1,
        prevConnId: o.resume?.prevConnId ?? 0,
        token: o.token,
      },
      deriveHandshakeC2s(o.keyC2s, hello.nonce, this.#pid8),
    );
    this.#state = HandshakeClientState.RESPONSE_SENT;
    this.#challengeAt = now;
    this.#nextResendAt = now + this.#resendMs;
    return { kind: 'send', bytes: this.#response };
  }

  #onDenied(packet: Buffer): HandshakeClientEvent {
    const fields = parseDenied(packet);
    if (fields === null || this.#responseNonce === null || this.#hsS2c === null) return IGNORED;
    if (!fields.clientNonce.equals(this.#responseNonce) || !verifyDeniedMac(packet, this.#hsS2c)) return IGNORED;
    const failure: HandshakeFailure = { kind: 'denied', reason: fields.reason };
    this.#fail(failure);
    return { kind: 'failed', failure };
  }

  #onData(packet: Buffer): HandshakeClientEvent {
    if (!isDataPacket(packet) || this.#receive === null || this.#keys === null) return IGNORED;
    const plaintext = this.#receive.openPacket(packet);
    if (plaintext === null) return IGNORED;
    this.#state = HandshakeClientState.CONNECTED;
    this.#nextResendAt = Infinity;
    this.#deadline = Infinity;
    return {
      kind: 'established',
      connection: {
        connId: readConnId(packet),
        plaintext,
        pn: readPacketNumber(packet),
        keys: this.#keys,
        sendCipher: createPacketCipher(this.#keys.c2s, Direction.C2S, this.#opts.aead),
        receiveCipher: this.#receive,
        rttSeedMs: this.#rttSeedMs,
        resumeRequested: this.#opts.resume !== undefined,
      },
    };
  }

  #fail(failure: HandshakeFailure): void {
    this.#state = HandshakeClientState.FAILED;
    this.#failure = failure;
    this.#nextResendAt = Infinity;
    this.#deadline = Infinity;
  }
}
