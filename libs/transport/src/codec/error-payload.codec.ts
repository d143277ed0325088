/**
 * Error op 0xFF payload (spec §2.6):
 * `{cid?: string, code: string, message: string ≤ 256 chars, op: u8, retryAfterMs?: number}`.
 * `code` always comes from the shared catalogue (KT-11); clients map unknown codes to INTERNAL.
 */
import { ERROR_CATALOGUE, ErrorCode, isErrorCode } from '@kaosnet/common';
import { MAX_ERROR_MESSAGE_CHARS } from './kaostalk.constants.js';
import { isValidCid, parseJsonObject } from './control-payload.codec.js';
import { encodeMessage } from './message.codec.js';
import { Op } from './op-code.table.js';

export interface ErrorPayload {
  readonly cid?: string;
  readonly code: ErrorCode;
  readonly message: string;
  /** The op of the message that failed. */
  readonly op: number;
  readonly retryAfterMs?: number;
}

/** A decoded Error: `rawCode` keeps the code as sent when it was not in the catalogue. */
export interface DecodedErrorPayload extends ErrorPayload {
  readonly rawCode: string;
}

/** Cuts `message` to at most 256 characters (code points; a surrogate pair is never split). */
export function truncateErrorMessage(message: string): string {
  if (message.length <= MAX_ERROR_MESSAGE_CHARS) {
    return message;
  }
  let out = '';
  let chars = 0;
  for (const ch of message) {
    if (chars === MAX_ERROR_MESSAGE_CHARS) break;
    out += ch;
    chars++;
  }
  return out;
}

/**
 * Serializes an Error payload. A code outside the catalogue becomes INTERNAL (KT-11), the message
 * is cut to 256 characters, an invalid `cid` is left out, `retryAfterMs` is kept only when finite
 * and ≥ 0.
 *
 * @example
 * encodeErrorPayload({ cid: 'r1', code: 'NOT_FOUND', message: 'no such rpc', op: 0x20 });
 * // {"cid":"r1","code":"NOT_FOUND","message":"no such rpc","op":32}
 */
export function encodeErrorPayload(error: ErrorPayload): Buffer {
  if (!Number.isInteger(error.op) || error.op < 0 || error.op > 0xff) {
    throw new RangeError(`Error op must be a u8, got ${error.op}`);
  }
  const code = isErrorCode(error.code) ? error.code : ErrorCode.INTERNAL;
  const body: Record<string, unknown> = {};
  if (error.cid !== undefined && isValidCid(error.cid)) {
    body['cid'] = error.cid;
  }
  body['code'] = code;
  body['message'] = truncateErrorMessage(
    typeof error.message === 'string' && error.message.length > 0 ? error.message : ERROR_CATALOGUE[code].defaultMessage,
  );
  body['op'] = error.op;
  if (typeof error.retryAfterMs === 'number' && Number.isFinite(error.retryAfterMs) && error.retryAfterMs >= 0) {
    body['retryAfterMs'] = Math.ceil(error.retryAfterMs);
  }
  return Buffer.from(JSON.stringify(body), 'utf8');
}

/** Serialized Error message (op 0xFF + header + payload). */
export function encodeErrorMessage(error: ErrorPayload): Buffer {
  return encodeMessage(Op.Error, encodeErrorPayload(error));
}

/**
 * Parses an Error payload received by a client. Returns null when it is not an object with a
 * string `code`, a string `message` and a u8 `op`. Unknown codes map to INTERNAL (§2.6), over-long
 * messages are cut, an invalid `cid` or `retryAfterMs` is dropped.
 */
export function decodeErrorPayload(payload: Buffer): DecodedErrorPayload | null {
  const parsed = parseJsonObject(payload, 65_535);
  if (!parsed.ok) {
    return null;
  }
  const { cid, code, message, op, retryAfterMs } = parsed.body;
  if (typeof code !== 'string' || typeof message !== 'string') {
    return null;
  }
  if (typeof op !== 'number' || !Number.isInteger(op) || op < 0 || op > 0xff) {
    return null;
  }
  const result: { -readonly [K in keyof DecodedErrorPayload]: DecodedErrorPayload[K] } = {
    code: isErrorCode(code) ? code : ErrorCode.INTERNAL,
    rawCode: code,
    message: truncateErrorMessage(message),
    op,
  };
  if (isValidCid(cid)) {
    result.cid = cid;
  }
  if (typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
    result.retryAfterMs = retryAfterMs;
  }
  return result;
}
