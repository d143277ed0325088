/**
 * Handshake datagrams (spec §4.3): HELLO 1,200 B, CHALLENGE 73 B, RESPONSE 1,200 B, DENIED 34 B,
 * and the stateless cookie MAC. Offsets are exported so the server can check fields in place.
 */
import { PacketType } from '../crypto/data-packet.codec.js';
import { MAC_SIZE, hmac16, verifyHmac16 } from '../crypto/hmac16.js';
import { CHALLENGE_SIZE, CLIENT_NONCE_SIZE, CONNECT_TOKEN_SIZE, DENIED_SIZE, HELLO_SIZE, RESPONSE_SIZE, SERVER_NONCE_SIZE } from './handshake.constants.js';
import type { DeniedReason } from './handshake.constants.js';
import { readU64, writeU64 } from './wire-values.codec.js';

export const HelloLayout = { PID: 1, CLIENT_NONCE: 9, TOKEN: 25, MAC: 327, PADDING: 343 } as const;
export const ChallengeLayout = { CLIENT_NONCE: 1, SERVER_NONCE: 17, COOKIE_TIME: 33, COOKIE_MAC: 41, MAC: 57 } as const;
export const ResponseLayout = {
  PID: 1,
  CLIENT_NONCE: 9,
  SERVER_NONCE: 25,
  COOKIE_TIME: 41,
  COOKIE_MAC: 49,
  RESUME: 65,
  PREV_CONN_ID: 66,
  TOKEN: 70,
  MAC: 372,
  PADDING: 388,
} as const;
export const DeniedLayout = { CLIENT_NONCE: 1, REASON: 17, MAC: 18 } as const;

function need(name: string, value: Uint8Array, size: number): void {
  if (value.length !== size) throw new RangeError(`${name} must be ${size} bytes`);
}

export interface HelloFields {
  readonly pid8: Buffer;
  readonly clientNonce: Buffer;
  readonly token: Buffer;
}

/** Builds a HELLO: `hello_mac` = HMAC16(K_hs_c2s, bytes 0–326), zero padding to 1,200 B. */
export function encodeHello(fields: HelloFields, hsC2s: Buffer): Buffer {
  need('pid8', fields.pid8, 8);
  need('client_nonce', fields.clientNonce, CLIENT_NONCE_SIZE);
  need('token', fields.token, CONNECT_TOKEN_SIZE);
  const out = Buffer.alloc(HELLO_SIZE);
  out[0] = PacketType.HELLO;
  fields.pid8.copy(out, HelloLayout.PID);
  fields.clientNonce.copy(out, HelloLayout.CLIENT_NONCE);
  fields.token.copy(out, HelloLayout.TOKEN);
  hmac16(hsC2s, out.subarray(0, HelloLayout.MAC)).copy(out, HelloLayout.MAC);
  return out;
}

export function verifyHelloMac(hello: Buffer, hsC2s: Buffer): boolean {
  return verifyHmac16(hsC2s, hello.subarray(0, HelloLayout.MAC), hello.subarray(HelloLayout.MAC, HelloLayout.MAC + MAC_SIZE));
}

/** Cookie inputs (§4.3 cookie_mac). `clientIp` is the 16-byte (v4-mapped) source address. */
export interface CookieFields {
  readonly clientIp: Buffer;
  readonly clientPort: number;
  readonly cookieTime: number;
  readonly clientNonce: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly tokenTag: Uint8Array;
}

const COOKIE_LABEL = Buffer.from('kt1 cookie', 'ascii');

/** HMAC16(cookie_secret, "kt1 cookie" ‖ ip16 ‖ port u16 LE ‖ cookie_time u64 LE ‖ client_nonce ‖ server_nonce ‖ token_tag). */
export function cookieMac(secret: Buffer, fields: CookieFields): Buffer {
  const portTime = Buffer.allocUnsafe(10);
  portTime.writeUInt16LE(fields.clientPort, 0);
  writeU64(portTime, 2, fields.cookieTime);
  return hmac16(secret, COOKIE_LABEL, fields.clientIp, portTime, fields.clientNonce, fields.serverNonce, fields.tokenTag);
}

export interface ChallengeFields {
  readonly clientNonce: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly cookieTime: number;
  readonly cookieMac: Uint8Array;
}

/** Builds a CHALLENGE: `challenge_mac` = HMAC16(K_hs_s2c, bytes 0–56). */
export function encodeChallenge(fields: ChallengeFields, hsS2c: Buffer): Buffer {
  need('client_nonce', fields.clientNonce, CLIENT_NONCE_SIZE);
  need('server_nonce', fields.serverNonce, SERVER_NONCE_SIZE);
  need('cookie_mac', fields.cookieMac, MAC_SIZE);
  const out = Buffer.allocUnsafe(CHALLENGE_SIZE);
  out[0] = PacketType.CHALLENGE;
  out.set(fields.clientNonce, ChallengeLayout.CLIENT_NONCE);
  out.set(fields.serverNonce, ChallengeLayout.SERVER_NONCE);
  writeU64(out, ChallengeLayout.COOKIE_TIME, fields.cookieTime);
  out.set(fields.cookieMac, ChallengeLayout.COOKIE_MAC);
  hmac16(hsS2c, out.subarray(0, ChallengeLayout.MAC)).copy(out, ChallengeLayout.MAC);
  return out;
}

/** Fields of a 73-B CHALLENGE (views), or null for a wrong size or type byte. MAC not checked. */
export function parseChallenge(packet: Buffer): ChallengeFields | null {
  if (packet.length !== CHALLENGE_SIZE || packet[0] !== PacketType.CHALLENGE) return null;
  return {
    clientNonce: packet.subarray(ChallengeLayout.CLIENT_NONCE, ChallengeLayout.SERVER_NONCE),
    serverNonce: packet.subarray(ChallengeLayout.SERVER_NONCE, ChallengeLayout.COOKIE_TIME),
    cookieTime: readU64(packet, ChallengeLayout.COOKIE_TIME),
    cookieMac: packet.subarray(ChallengeLayout.COOKIE_MAC, ChallengeLayout.MAC),
  };
}

export function verifyChallengeMac(challenge: Buffer, hsS2c: Buffer): boolean {
  return verifyHmac16(hsS2c, challenge.subarray(0, ChallengeLayout.MAC), challenge.subarray(ChallengeLayout.MAC, CHALLENGE_SIZE));
}

export interface ResponseFields {
  readonly pid8: Buffer;
  readonly clientNonce: Uint8Array;
  readonly serverNonce: Uint8Array;
  readonly cookieTime: number;
  readonly cookieMac: Uint8Array;
  /** 0 or 1. */
  readonly resume: number;
  /** 0 iff resume = 0. */
  readonly prevConnId: number;
  readonly token: Buffer;
}

/** Builds a RESPONSE: `response_mac` = HMAC16(K_hs_c2s, bytes 0–371), zero padding to 1,200 B. */
export function encodeResponse(fields: ResponseFields, hsC2s: Buffer): Buffer {
  need('pid8', fields.pid8, 8);
  need('client_nonce', fields.clientNonce, CLIENT_NONCE_SIZE);
  need('server_nonce', fields.serverNonce, SERVER_NONCE_SIZE);
  need('cookie_mac', fields.cookieMac, MAC_SIZE);
  need('token', fields.token, CONNECT_TOKEN_SIZE);
  const out = Buffer.alloc(RESPONSE_SIZE);
  out[0] = PacketType.RESPONSE;
  fields.pid8.copy(out, ResponseLayout.PID);
  out.set(fields.clientNonce, ResponseLayout.CLIENT_NONCE);
  out.set(fields.serverNonce, ResponseLayout.SERVER_NONCE);
  writeU64(out, ResponseLayout.COOKIE_TIME, fields.cookieTime);
  out.set(fields.cookieMac, ResponseLayout.COOKIE_MAC);
  out[ResponseLayout.RESUME] = fields.resume;
  out.writeUInt32LE(fields.prevConnId >>> 0, ResponseLayout.PREV_CONN_ID);
  fields.token.copy(out, ResponseLayout.TOKEN);
  hmac16(hsC2s, out.subarray(0, ResponseLayout.MAC)).copy(out, ResponseLayout.MAC);
  return out;
}

export function verifyResponseMac(response: Buffer, hsC2s: Buffer): boolean {
  return verifyHmac16(hsC2s, response.subarray(0, ResponseLayout.MAC), response.subarray(ResponseLayout.MAC, ResponseLayout.MAC + MAC_SIZE));
}

/** Builds a DENIED: 0x60 ‖ client_nonce ‖ reason ‖ HMAC16(K_hs_s2c, bytes 0–17). */
export function encodeDenied(clientNonce: Uint8Array, reason: DeniedReason, hsS2c: Buffer): Buffer {
  need('client_nonce', clientNonce, CLIENT_NONCE_SIZE);
  const out = Buffer.allocUnsafe(DENIED_SIZE);
  out[0] = PacketType.DENIED;
  out.set(clientNonce, DeniedLayout.CLIENT_NONCE);
  out[DeniedLayout.REASON] = reason;
  hmac16(hsS2c, out.subarray(0, DeniedLayout.MAC)).copy(out, DeniedLayout.MAC);
  return out;
}

export interface DeniedFields {
  readonly clientNonce: Buffer;
  readonly reason: number;
}

/** Fields of a 34-B DENIED (views), or null for a wrong size or type byte. MAC not checked. */
export function parseDenied(packet: Buffer): DeniedFields | null {
  if (packet.length !== DENIED_SIZE || packet[0] !== PacketType.DENIED) return null;
  return { clientNonce: packet.subarray(DeniedLayout.CLIENT_NONCE, DeniedLayout.REASON), reason: packet[DeniedLayout.REASON]! };
}

export function verifyDeniedMac(denied: Buffer, hsS2c: Buffer): boolean {
  return verifyHmac16(hsS2c, denied.subarray(0, DeniedLayout.MAC), denied.subarray(DeniedLayout.MAC, DENIED_SIZE));
}
