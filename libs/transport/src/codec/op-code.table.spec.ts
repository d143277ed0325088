import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES, ErrorCode } from '@kaosnet/common';
import {
  OP_TABLE,
  Op,
  OpKind,
  RESERVED_OP_RANGES,
  clientAcceptsOp,
  isApplicationOp,
  isControlOp,
  opInfo,
  serverInboundOpError,
} from './op-code.table.js';
import { MAX_CONTROL_PAYLOAD, MAX_RPC_PAYLOAD } from './kaostalk.constants.js';

describe('op-code table', () => {
  it('has one entry per op value with the right kind', () => {
    expect(OP_TABLE).toHaveLength(256);
    expect(opInfo(0x00).kind).toBe(OpKind.INVALID);
    expect(opInfo(Op.Heartbeat).kind).toBe(OpKind.HEARTBEAT);
    expect(opInfo(Op.RoomData).kind).toBe(OpKind.ROOM_DATA);
    for (let op = 0x80; op <= 0xfe; op++) {
      expect(opInfo(op).kind).toBe(OpKind.APPLICATION);
      expect(isApplicationOp(op)).toBe(true);
    }
    for (const [lo, hi] of RESERVED_OP_RANGES) {
      for (let op = lo; op <= hi; op++) expect(opInfo(op).kind).toBe(OpKind.RESERVED);
    }
  });

  it('treats every op except Heartbeat, RoomData and application ops as control (§2.2)', () => {
    const control = [0x01, 0x02, 0x04, 0x10, 0x11, 0x12, 0x14, 0x15, 0x20, 0x21, 0x30, 0x31, 0x32, 0xff];
    for (const op of control) {
      expect(isControlOp(op)).toBe(true);
      expect(opInfo(op).json).toBe(true);
    }
    expect(isControlOp(Op.Heartbeat)).toBe(false);
    expect(isControlOp(Op.RoomData)).toBe(false);
    expect(isControlOp(0x80)).toBe(false);
  });

  it('caps control payloads at 16,384 B and Rpc/RpcResponse at 65,535 B (§2.3)', () => {
    expect(opInfo(Op.RoomJoin).maxPayload).toBe(MAX_CONTROL_PAYLOAD);
    expect(opInfo(Op.Rpc).maxPayload).toBe(MAX_RPC_PAYLOAD);
    expect(opInfo(Op.RpcResponse).maxPayload).toBe(MAX_RPC_PAYLOAD);
  });

  it('records the reply op of each request', () => {
    expect(opInfo(Op.SessionStart).replyOp).toBe(Op.SessionAck);
    expect(opInfo(Op.RoomCreate).replyOp).toBe(Op.RoomState);
    expect(opInfo(Op.Rpc).replyOp).toBe(Op.RpcResponse);
    expect(opInfo(Op.RoomData).replyOp).toBe(-1);
  });

  it('KT-7 an op from a reserved range or 0x00 → UNKNOWN_OP; application ops go to the handler table', () => {
    for (const op of [0x00, 0x05, 0x0f, 0x16, 0x22, 0x33, 0x40, 0x4f, 0x50, 0x60, 0x7f]) {
      expect(serverInboundOpError(op)).toBe(ErrorCode.UNKNOWN_OP);
    }
    expect(serverInboundOpError(0x80)).toBeNull();
    expect(serverInboundOpError(0xfe)).toBeNull();
  });

  it('KT-8 a client sending an S→C-only op (0x04, 0x21, 0x32, 0xFF) → BAD_REQUEST', () => {
    for (const op of [0x04, 0x21, 0x32, 0xff]) {
      expect(serverInboundOpError(op)).toBe(ErrorCode.BAD_REQUEST);
    }
    for (const op of [0x01, 0x02, 0x03, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x20, 0x30, 0x31]) {
      expect(serverInboundOpError(op)).toBeNull();
    }
    for (let op = 0; op < 256; op++) {
      const code = serverInboundOpError(op);
      expect(code === null || ERROR_CODES.includes(code)).toBe(true);
    }
  });

  it('lets a client ignore op 0x00, reserved and C→S-only ops (§2.2, §10.17)', () => {
    expect(clientAcceptsOp(0x00)).toBe(false);
    expect(clientAcceptsOp(0x40)).toBe(false);
    expect(clientAcceptsOp(Op.SessionStart)).toBe(false);
    expect(clientAcceptsOp(Op.Rpc)).toBe(false);
    expect(clientAcceptsOp(Op.SessionAck)).toBe(true);
    expect(clientAcceptsOp(Op.Error)).toBe(true);
    expect(clientAcceptsOp(0x99)).toBe(true);
  });
});
