/**
 * RoomData op 0x13 (spec §2.5): binary, the realtime hot path. Decoders fill a caller-owned
 * object (no allocation besides the `data` subarray view), return a status number instead of
 * throwing, and never copy `data`.
 */
import { Buffer } from 'node:buffer';
import { ErrorCode } from '@kaosnet/common';
import { KT_HEADER_SIZE, MAX_ROOM_DATA, MAX_ROOM_DATA_UNRELIABLE, MAX_ROOM_TARGETS } from './kaostalk.constants.js';
import { Op } from './op-code.table.js';

/** Delivery class in `flags` bits 0–1, same numbering as channel modes (§3.4). */
export const DeliveryClass = {
  RO: 0,
  RU: 1,
  US: 2,
  U: 3,
} as const;
export type DeliveryClass = (typeof DeliveryClass)[keyof typeof DeliveryClass];

export const ROOM_DATA_C2S_HEADER = 6;
export const ROOM_DATA_S2C_HEADER = 10;
const CLASS_MASK = 0x03;
const RESERVED_FLAG_BITS = 0xfc;

/** Outcome of a RoomData decode. Map to the Error to send with {@link roomDataStatusError}. */
export const RoomDataStatus = {
  OK: 0,
  /** Header or target list shorter than announced. */
  SHORT: 1,
  /** `flags` bits 2–7 set. */
  RESERVED_BITS: 2,
  /** `target_count` > 32. */
  TOO_MANY_TARGETS: 3,
  /** `data` > 16,384 B, or > 1,087 B for US/U. */
  TOO_LARGE: 4,
  /** S→C byte 5 not 0. */
  RESERVED_BYTE: 5,
} as const;
export type RoomDataStatus = (typeof RoomDataStatus)[keyof typeof RoomDataStatus];

/** Error code for a failed decode (§7.1: BAD_REQUEST / TOO_LARGE, without cid), null for OK. */
export function roomDataStatusError(status: RoomDataStatus): ErrorCode | null {
  if (status === RoomDataStatus.OK) return null;
  return status === RoomDataStatus.TOO_LARGE ? ErrorCode.TOO_LARGE : ErrorCode.BAD_REQUEST;
}

/** Largest `data` for a delivery class (§2.5). */
export function maxRoomDataFor(deliveryClass: number): number {
  return deliveryClass >= DeliveryClass.US ? MAX_ROOM_DATA_UNRELIABLE : MAX_ROOM_DATA;
}

const EMPTY = Buffer.alloc(0);

/** A decoded C→S RoomData; reuse one instance per receive loop. Views stay valid while the packet buffer is. */
export class RoomDataC2S {
  ref = 0;
  gameOp = 0;
  flags = 0;
  deliveryClass: DeliveryClass = DeliveryClass.RO;
  /** 0 = all other members. */
  targetCount = 0;
  /** View of the opaque data (not a copy). */
  data: Buffer = EMPTY;
  /** The whole RoomData payload the fields were read from. */
  payload: Buffer = EMPTY;

  /** Member ref of target `i` (0 ≤ i < targetCount). */
  targetAt(i: number): number {
    return this.payload.readUInt32LE(ROOM_DATA_C2S_HEADER + 4 * i);
  }
}

/**
 * Decodes a C→S RoomData payload into `out`.
 *
 * @example
 * const rd = new RoomDataC2S();
 * if (decodeRoomDataC2S(payload, rd) === RoomDataStatus.OK) room.enqueue(rd.ref, rd.gameOp, rd.data);
 */
export function decodeRoomDataC2S(payload: Buffer, out: RoomDataC2S): RoomDataStatus {
  const length = payload.length;
  if (length < ROOM_DATA_C2S_HEADER) {
    return RoomDataStatus.SHORT;
  }
  const flags = payload[4]!;
  if ((flags & RESERVED_FLAG_BITS) !== 0) {
    return RoomDataStatus.RESERVED_BITS;
  }
  const targetCount = payload[5]!;
  if (targetCount > MAX_ROOM_TARGETS) {
    return RoomDataStatus.TOO_MANY_TARGETS;
  }
  const dataStart = ROOM_DATA_C2S_HEADER + 4 * targetCount;
  if (length < dataStart) {
    return RoomDataStatus.SHORT;
  }
  const deliveryClass = (flags & CLASS_MASK) as DeliveryClass;
  if (length - dataStart > maxRoomDataFor(deliveryClass)) {
    return RoomDataStatus.TOO_LARGE;
  }
  out.ref = payload[0]! | (payload[1]! << 8);
  out.gameOp = payload[2]! | (payload[3]! << 8);
  out.flags = flags;
  out.deliveryClass = deliveryClass;
  out.targetCount = targetCount;
  out.data = payload.subarray(dataStart);
  out.payload = payload;
  return RoomDataStatus.OK;
}

/**
 * Writes a complete S→C RoomData message (KaosTalk header + 10-B RoomData header + data) at
 * `offset` of `target`; returns the end offset. `data` is copied byte for byte.
 */
export function writeRoomDataS2CMessage(
  target: Buffer,
  offset: number,
  ref: number,
  gameOp: number,
  flags: number,
  sender: number,
  data: Uint8Array,
): number {
  const payloadLength = ROOM_DATA_S2C_HEADER + data.length;
  if (payloadLength > 0xffff) {
    throw new RangeError(`RoomData of ${data.length} B does not fit a KaosTalk message`);
  }
  target[offset] = Op.RoomData;
  target[offset + 1] = payloadLength & 0xff;
  target[offset + 2] = payloadLength >>> 8;
  const p = offset + KT_HEADER_SIZE;
  target.writeUInt16LE(ref, p);
  target.writeUInt16LE(gameOp, p + 2);
  target[p + 4] = flags;
  target[p + 5] = 0;
  target.writeUInt32LE(sender, p + 6);
  target.set(data, p + ROOM_DATA_S2C_HEADER);
  return p + payloadLength;
}

/** Size of the serialized S→C RoomData message for `dataLength` bytes of data. */
export function roomDataS2CMessageSize(dataLength: number): number {
  return KT_HEADER_SIZE + ROOM_DATA_S2C_HEADER + dataLength;
}

/** One allocation: the S→C message for a recipient. */
export function encodeRoomDataS2CMessage(ref: number, gameOp: number, flags: number, sender: number, data: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(roomDataS2CMessageSize(data.length));
  writeRoomDataS2CMessage(out, 0, ref, gameOp, flags, sender, data);
  return out;
}

/**
 * Relay helper (KT-12): the S→C message for one recipient of a decoded C→S RoomData, with the
 * recipient's `ref`, `game_op` and `flags` copied, `sender` = the sender's member ref.
 */
export function relayRoomData(input: RoomDataC2S, recipientRef: number, sender: number): Buffer {
  return encodeRoomDataS2CMessage(recipientRef, input.gameOp, input.flags, sender, input.data);
}

/** A decoded S→C RoomData (client side); reuse one instance. */
export class RoomDataS2C {
  ref = 0;
  gameOp = 0;
  flags = 0;
  deliveryClass: DeliveryClass = DeliveryClass.RO;
  sender = 0;
  data: Buffer = EMPTY;
}

/** Decodes an S→C RoomData payload into `out` (client side). */
export function decodeRoomDataS2C(payload: Buffer, out: RoomDataS2C): RoomDataStatus {
  if (payload.length < ROOM_DATA_S2C_HEADER) {
    return RoomDataStatus.SHORT;
  }
  const flags = payload[4]!;
  if ((flags & RESERVED_FLAG_BITS) !== 0) {
    return RoomDataStatus.RESERVED_BITS;
  }
  if (payload[5] !== 0) {
    return RoomDataStatus.RESERVED_BYTE;
  }
  const deliveryClass = (flags & CLASS_MASK) as DeliveryClass;
  if (payload.length - ROOM_DATA_S2C_HEADER > maxRoomDataFor(deliveryClass)) {
    return RoomDataStatus.TOO_LARGE;
  }
  out.ref = payload[0]! | (payload[1]! << 8);
  out.gameOp = payload[2]! | (payload[3]! << 8);
  out.flags = flags;
  out.deliveryClass = deliveryClass;
  out.sender = payload.readUInt32LE(6);
  out.data = payload.subarray(ROOM_DATA_S2C_HEADER);
  return RoomDataStatus.OK;
}

/**
 * Builds a C→S RoomData message (client SDK side). Throws RangeError for out-of-range fields,
 * more than 32 targets, or `data` above the class limit (the send API refuses, never truncates).
 */
export function encodeRoomDataC2SMessage(
  ref: number,
  gameOp: number,
  deliveryClass: DeliveryClass,
  data: Uint8Array,
  targets: readonly number[] = [],
): Buffer {
  if (targets.length > MAX_ROOM_TARGETS) {
    throw new RangeError(`at most ${MAX_ROOM_TARGETS} RoomData targets`);
  }
  if (data.length > maxRoomDataFor(deliveryClass)) {
    throw new RangeError(`RoomData of ${data.length} B exceeds ${maxRoomDataFor(deliveryClass)} B for class ${deliveryClass}`);
  }
  const payloadLength = ROOM_DATA_C2S_HEADER + 4 * targets.length + data.length;
  const out = Buffer.allocUnsafe(KT_HEADER_SIZE + payloadLength);
  out[0] = Op.RoomData;
  out.writeUInt16LE(payloadLength, 1);
  out.writeUInt16LE(ref, 3);
  out.writeUInt16LE(gameOp, 5);
  out[7] = deliveryClass & CLASS_MASK;
  out[8] = targets.length;
  let p = KT_HEADER_SIZE + ROOM_DATA_C2S_HEADER;
  for (const t of targets) {
    out.writeUInt32LE(t, p);
    p += 4;
  }
  out.set(data, p);
  return out;
}
