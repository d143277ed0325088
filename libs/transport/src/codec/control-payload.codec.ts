/**
 * Control payload convention (spec §2.3): exactly one UTF-8 JSON object (no BOM), at most
 * `maxControlPayload` bytes (16,384; 65,535 for Rpc and RpcResponse), with a `cid` of 1–64
 * characters in 0x21–0x7E on every C→S request. Replies carry the request's `cid` byte for byte.
 * Control ops are the low-rate lane, so JSON is fine here (never on RoomData or acks).
 */
import { ErrorCode } from '@kaosnet/common';
import { CID_MAX_CHAR, CID_MAX_LENGTH, CID_MIN_CHAR, CID_MIN_LENGTH, MAX_CONTROL_PAYLOAD } from './kaostalk.constants.js';
import { encodeMessage } from './message.codec.js';
import { OP_TABLE, OpKind } from './op-code.table.js';

export type ControlBody = Record<string, unknown>;

export type ControlParseResult =
  | { readonly ok: true; readonly body: ControlBody; readonly cid: string }
  | {
      readonly ok: false;
      readonly code: typeof ErrorCode.BAD_REQUEST | typeof ErrorCode.TOO_LARGE;
      /** The request's cid when it could be extracted (valid, even from an invalid payload). */
      readonly cid: string | undefined;
      /** Short public reason, safe to put in the Error `message`. */
      readonly reason: string;
    };

export type JsonObjectResult =
  | { readonly ok: true; readonly body: ControlBody }
  | { readonly ok: false; readonly code: typeof ErrorCode.BAD_REQUEST | typeof ErrorCode.TOO_LARGE; readonly reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Payload cap of a control op: 65,535 for Rpc/RpcResponse, 16,384 otherwise (§2.3). */
export function maxControlPayload(op: number): number {
  const info = OP_TABLE[op & 0xff]!;
  return info.kind === OpKind.CONTROL ? info.maxPayload : MAX_CONTROL_PAYLOAD;
}

/** `cid` rule of §2.3: a string of 1–64 characters, each 0x21–0x7E. */
export function isValidCid(value: unknown): value is string {
  if (typeof value !== 'string' || value.length < CID_MIN_LENGTH || value.length > CID_MAX_LENGTH) {
    return false;
  }
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < CID_MIN_CHAR || c > CID_MAX_CHAR) {
      return false;
    }
  }
  return true;
}

function isJsonSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
}

const CID_KEY = Buffer.from('"cid"', 'latin1');

/**
 * Best-effort `cid` recovery from a payload that is not valid JSON or is over its size limit
 * (§2.3, §7.1 "with cid if extractable"): finds `"cid"`, `:`, then a plain string of 1–64 bytes
 * in 0x21–0x7E without `"` or `\` escapes. Returns undefined when nothing valid is found.
 */
export function extractCid(payload: Buffer): string | undefined {
  let from = 0;
  for (;;) {
    const at = payload.indexOf(CID_KEY, from);
    if (at < 0) {
      return undefined;
    }
    from = at + 1;
    if (at > 0 && payload[at - 1] === 0x5c) {
      continue;
    }
    let i = at + CID_KEY.length;
    while (i < payload.length && isJsonSpace(payload[i]!)) i++;
    if (payload[i] !== 0x3a) continue;
    i++;
    while (i < payload.length && isJsonSpace(payload[i]!)) i++;
    if (payload[i] !== 0x22) continue;
    const start = ++i;
    while (i < payload.length && i - start <= CID_MAX_LENGTH) {
      const b = payload[i]!;
      if (b === 0x22 || b === 0x5c || b < CID_MIN_CHAR || b > CID_MAX_CHAR) break;
      i++;
    }
    const length = i - start;
    if (payload[i] === 0x22 && length >= CID_MIN_LENGTH && length <= CID_MAX_LENGTH) {
      return payload.toString('latin1', start, i);
    }
  }
}

/**
 * Parses exactly one UTF-8 JSON object of at most `maxBytes` bytes. Rejects a BOM, invalid
 * UTF-8, trailing data (JSON.parse does), arrays, null and primitives.
 */
export function parseJsonObject(payload: Buffer, maxBytes: number): JsonObjectResult {
  if (payload.length > maxBytes) {
    return { ok: false, code: ErrorCode.TOO_LARGE, reason: `payload over ${maxBytes} bytes` };
  }
  if (payload.length >= 3 && payload[0] === 0xef && payload[1] === 0xbb && payload[2] === 0xbf) {
    return { ok: false, code: ErrorCode.BAD_REQUEST, reason: 'payload starts with a BOM' };
  }
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, code: ErrorCode.BAD_REQUEST, reason: 'payload is not valid UTF-8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, code: ErrorCode.BAD_REQUEST, reason: 'payload is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, code: ErrorCode.BAD_REQUEST, reason: 'payload is not a JSON object' };
  }
  return { ok: true, body: value as ControlBody };
}

/**
 * Parses a C→S control request (§2.3). On failure the result says which Error to send (BAD_REQUEST
 * or TOO_LARGE) and the `cid` to put in it: the parsed `cid` when the JSON was fine, a best-effort
 * extracted one when it was not, none when the `cid` itself is missing or invalid (KT-4, KT-6).
 *
 * @example
 * parseControlRequest(0x20, Buffer.from('{"cid":"r1","id":"echo"}'));
 * // { ok: true, cid: 'r1', body: { cid: 'r1', id: 'echo' } }
 */
export function parseControlRequest(op: number, payload: Buffer): ControlParseResult {
  const parsed = parseJsonObject(payload, maxControlPayload(op));
  if (!parsed.ok) {
    return { ok: false, code: parsed.code, cid: extractCid(payload), reason: parsed.reason };
  }
  const cid = parsed.body['cid'];
  if (!isValidCid(cid)) {
    return { ok: false, code: ErrorCode.BAD_REQUEST, cid: undefined, reason: 'missing or invalid cid' };
  }
  return { ok: true, body: parsed.body, cid };
}

function stringifyWithCid(cid: string | undefined, body: ControlBody): string {
  let rest: ControlBody = body;
  if (Object.prototype.hasOwnProperty.call(body, 'cid')) {
    rest = { ...body };
    delete rest['cid'];
  }
  const json = JSON.stringify(rest);
  if (cid === undefined) {
    return json;
  }
  const head = `{"cid":${JSON.stringify(cid)}`;
  return json === '{}' ? `${head}}` : `${head},${json.slice(1)}`;
}

function encodeJson(op: number, text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const max = maxControlPayload(op);
  if (payload.length > max) {
    throw new RangeError(`control payload of ${payload.length} B for op 0x${op.toString(16)} exceeds ${max} B`);
  }
  return encodeMessage(op, payload);
}

/**
 * Builds the serialized reply message to a request: `cid` first, copied from the request as is
 * (a valid cid is printable ASCII, so the reply carries it byte for byte, KT-5), then the body's
 * other fields. A `cid` key in `body` is ignored. Throws RangeError above the op's size cap.
 *
 * @example
 * encodeControlReply(0x21, 'r1', { payload: 'pong' }); // 0x21, len, {"cid":"r1","payload":"pong"}
 */
export function encodeControlReply(op: number, cid: string, body: ControlBody): Buffer {
  if (!isValidCid(cid)) {
    throw new RangeError('reply cid must be a valid request cid');
  }
  return encodeJson(op, stringifyWithCid(cid, body));
}

/** Builds an unsolicited S→C control message (an event): no `cid` (§2.3). */
export function encodeControlEvent(op: number, body: ControlBody): Buffer {
  return encodeJson(op, stringifyWithCid(undefined, body));
}

/** Builds a C→S control request (client SDK side): `cid` first, then the body. */
export function encodeControlRequest(op: number, cid: string, body: ControlBody): Buffer {
  return encodeControlReply(op, cid, body);
}
