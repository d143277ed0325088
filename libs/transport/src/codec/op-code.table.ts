/**
 * KaosTalk op-code table (spec §2.2) with direction and kind metadata, resolved once into a
 * 256-entry array so classification on the receive path is one indexed load.
 */
import { ErrorCode } from '@kaosnet/common';
import { MAX_CONTROL_PAYLOAD, MAX_KT_PAYLOAD, MAX_RPC_PAYLOAD } from './kaostalk.constants.js';

export const Op = {
  SessionStart: 0x01,
  SessionEnd: 0x02,
  Heartbeat: 0x03,
  SessionAck: 0x04,
  RoomCreate: 0x10,
  RoomJoin: 0x11,
  RoomLeave: 0x12,
  RoomData: 0x13,
  RoomState: 0x14,
  RoomList: 0x15,
  Rpc: 0x20,
  RpcResponse: 0x21,
  MatchmakerAdd: 0x30,
  MatchmakerRemove: 0x31,
  MatchmakerMatched: 0x32,
  Error: 0xff,
} as const;
export type Op = (typeof Op)[keyof typeof Op];
export type OpName = keyof typeof Op;

/** First and last application-defined op (§2.2). */
export const APPLICATION_OP_MIN = 0x80;
export const APPLICATION_OP_MAX = 0xfe;

/**
 * What an op is. Control ops are every op except Heartbeat, RoomData and application ops (§2.2);
 * `reserved` covers the reserved family ranges; `invalid` is op 0x00 (§2.1).
 */
export const OpKind = {
  CONTROL: 'control',
  HEARTBEAT: 'heartbeat',
  ROOM_DATA: 'room-data',
  APPLICATION: 'application',
  RESERVED: 'reserved',
  INVALID: 'invalid',
} as const;
export type OpKind = (typeof OpKind)[keyof typeof OpKind];

export interface OpInfo {
  readonly op: number;
  /** Table name, or `reserved:0x05`, `app:0x80`, `invalid`. */
  readonly name: string;
  readonly kind: OpKind;
  /** Client → server allowed. */
  readonly c2s: boolean;
  /** Server → client allowed. */
  readonly s2c: boolean;
  /** Payload is a JSON object (§2.3). */
  readonly json: boolean;
  /** Largest payload accepted for this op. */
  readonly maxPayload: number;
  /** Op of the success reply to a C→S request, or -1 for none. */
  readonly replyOp: number;
}

interface AssignedOp {
  readonly name: OpName;
  readonly c2s: boolean;
  readonly s2c: boolean;
  readonly replyOp: number;
}

const ASSIGNED: readonly AssignedOp[] = [
  { name: 'SessionStart', c2s: true, s2c: false, replyOp: Op.SessionAck },
  { name: 'SessionEnd', c2s: true, s2c: true, replyOp: Op.SessionEnd },
  { name: 'Heartbeat', c2s: true, s2c: true, replyOp: Op.Heartbeat },
  { name: 'SessionAck', c2s: false, s2c: true, replyOp: -1 },
  { name: 'RoomCreate', c2s: true, s2c: false, replyOp: Op.RoomState },
  { name: 'RoomJoin', c2s: true, s2c: false, replyOp: Op.RoomState },
  { name: 'RoomLeave', c2s: true, s2c: true, replyOp: Op.RoomLeave },
  { name: 'RoomData', c2s: true, s2c: true, replyOp: -1 },
  { name: 'RoomState', c2s: true, s2c: true, replyOp: Op.RoomState },
  { name: 'RoomList', c2s: true, s2c: true, replyOp: Op.RoomList },
  { name: 'Rpc', c2s: true, s2c: false, replyOp: Op.RpcResponse },
  { name: 'RpcResponse', c2s: false, s2c: true, replyOp: -1 },
  { name: 'MatchmakerAdd', c2s: true, s2c: true, replyOp: Op.MatchmakerAdd },
  { name: 'MatchmakerRemove', c2s: true, s2c: true, replyOp: Op.MatchmakerRemove },
  { name: 'MatchmakerMatched', c2s: false, s2c: true, replyOp: -1 },
  { name: 'Error', c2s: false, s2c: true, replyOp: -1 },
];

/** Reserved ranges (§2.2), inclusive. */
export const RESERVED_OP_RANGES: readonly (readonly [number, number, string])[] = [
  [0x05, 0x0f, 'session'],
  [0x16, 0x1f, 'rooms'],
  [0x22, 0x2f, 'rpc'],
  [0x33, 0x3f, 'matchmaker'],
  [0x40, 0x4f, 'notifications'],
  [0x50, 0x5f, 'presence'],
  [0x60, 0x7f, 'chat'],
];

function hex(op: number): string {
  return `0x${op.toString(16).padStart(2, '0')}`;
}

function buildTable(): readonly OpInfo[] {
  const table: OpInfo[] = [];
  for (let op = 0; op < 256; op++) {
    table.push({ op, name: `reserved:${hex(op)}`, kind: OpKind.RESERVED, c2s: false, s2c: false, json: false, maxPayload: MAX_KT_PAYLOAD, replyOp: -1 });
  }
  table[0] = { ...table[0]!, name: 'invalid', kind: OpKind.INVALID };
  for (let op = APPLICATION_OP_MIN; op <= APPLICATION_OP_MAX; op++) {
    table[op] = { op, name: `app:${hex(op)}`, kind: OpKind.APPLICATION, c2s: true, s2c: true, json: false, maxPayload: MAX_KT_PAYLOAD, replyOp: -1 };
  }
  for (const a of ASSIGNED) {
    const op = Op[a.name];
    const kind = op === Op.Heartbeat ? OpKind.HEARTBEAT : op === Op.RoomData ? OpKind.ROOM_DATA : OpKind.CONTROL;
    const json = kind === OpKind.CONTROL;
    const maxPayload = !json ? MAX_KT_PAYLOAD : op === Op.Rpc || op === Op.RpcResponse ? MAX_RPC_PAYLOAD : MAX_CONTROL_PAYLOAD;
    table[op] = { op, name: a.name, kind, c2s: a.c2s, s2c: a.s2c, json, maxPayload, replyOp: a.replyOp };
  }
  return Object.freeze(table.map((entry) => Object.freeze(entry)));
}

/** Metadata for every op value 0x00–0xFF, indexed by op. */
export const OP_TABLE: readonly OpInfo[] = buildTable();

/** Metadata for an op; `op` must be an integer 0–255. */
export function opInfo(op: number): OpInfo {
  return OP_TABLE[op & 0xff]!;
}

export function isControlOp(op: number): boolean {
  return OP_TABLE[op & 0xff]!.kind === OpKind.CONTROL;
}

export function isApplicationOp(op: number): boolean {
  return op >= APPLICATION_OP_MIN && op <= APPLICATION_OP_MAX;
}

export function isReservedOp(op: number): boolean {
  return OP_TABLE[op & 0xff]!.kind === OpKind.RESERVED;
}

/**
 * The Error code a server answers for `op` received from a client before any handler lookup
 * (§2.2, §7.1), or `null` when the op may be dispatched. Op 0x00 and reserved ops → UNKNOWN_OP;
 * S→C-only ops (0x04, 0x21, 0x32, 0xFF) → BAD_REQUEST. An application op with no registered
 * handler is also UNKNOWN_OP, decided by the dispatcher that owns the handler table.
 *
 * @example
 * serverInboundOpError(0x05); // 'UNKNOWN_OP'
 * serverInboundOpError(0x04); // 'BAD_REQUEST'
 * serverInboundOpError(0x01); // null
 */
export function serverInboundOpError(op: number): ErrorCode | null {
  const info = OP_TABLE[op & 0xff]!;
  if (info.kind === OpKind.RESERVED || info.kind === OpKind.INVALID) {
    return ErrorCode.UNKNOWN_OP;
  }
  return info.c2s ? null : ErrorCode.BAD_REQUEST;
}

/**
 * Whether a client should handle `op` received from a server. Op 0x00, reserved and C→S-only
 * ops are ignored (§2.2: clients ignore S→C ops they do not know; §10.17).
 */
export function clientAcceptsOp(op: number): boolean {
  return OP_TABLE[op & 0xff]!.s2c;
}
