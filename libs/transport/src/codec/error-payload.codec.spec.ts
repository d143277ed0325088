import { describe, expect, it } from '@jest/globals';
import { ERROR_CODES, ErrorCode } from '@kaosnet/common';
import { decodeErrorPayload, encodeErrorMessage, encodeErrorPayload, truncateErrorMessage } from './error-payload.codec.js';
import { decodeSingleMessage } from './message.codec.js';
import { Op } from './op-code.table.js';
import type { ErrorPayload } from './error-payload.codec.js';

describe('Error op payload (§2.6)', () => {
  it('round-trips every catalogue code with cid, op and retryAfterMs', () => {
    for (const code of ERROR_CODES) {
      const bytes = encodeErrorPayload({ cid: 'c-1', code, message: 'm', op: 0x20, retryAfterMs: 250 });
      expect(decodeErrorPayload(bytes)).toEqual({ cid: 'c-1', code, rawCode: code, message: 'm', op: 0x20, retryAfterMs: 250 });
    }
  });

  it('KT-11 never emits a code outside the ten catalogue codes', () => {
    const bogus = { code: 'TEAPOT', message: 'x', op: 1 } as unknown as ErrorPayload;
    const body = JSON.parse(encodeErrorPayload(bogus).toString()) as { code: string };
    expect(body.code).toBe(ErrorCode.INTERNAL);
    expect(ERROR_CODES).toHaveLength(10);
  });

  it('serializes cid first, omits an invalid cid and a bad retryAfterMs, fills an empty message', () => {
    const text = encodeErrorPayload({ cid: 'bad cid', code: 'BAD_REQUEST', message: '', op: 0x13, retryAfterMs: -1 }).toString();
    expect(JSON.parse(text)).toEqual({ code: 'BAD_REQUEST', message: 'Bad request', op: 0x13 });
    expect(encodeErrorPayload({ cid: 'k', code: 'CONFLICT', message: 'm', op: 1 }).toString()).toBe(
      '{"cid":"k","code":"CONFLICT","message":"m","op":1}',
    );
    expect(() => encodeErrorPayload({ code: 'INTERNAL', message: 'm', op: 256 })).toThrow(RangeError);
  });

  it('cuts message to 256 characters without splitting a surrogate pair', () => {
    expect(truncateErrorMessage('a'.repeat(300))).toHaveLength(256);
    const emoji = '😀'.repeat(300);
    const cut = truncateErrorMessage(emoji);
    expect(Array.from(cut)).toHaveLength(256);
    const body = JSON.parse(encodeErrorPayload({ code: 'INTERNAL', message: 'b'.repeat(1000), op: 1 }).toString()) as { message: string };
    expect(body.message).toHaveLength(256);
  });

  it('builds an op 0xFF message', () => {
    const msg = decodeSingleMessage(encodeErrorMessage({ code: 'UNKNOWN_OP', message: 'no', op: 0x40 }));
    expect(msg.op).toBe(Op.Error);
  });

  it('decodes leniently on the client: unknown codes → INTERNAL, malformed → null', () => {
    const d = decodeErrorPayload(Buffer.from('{"code":"NEW_CODE","message":"m","op":5}'));
    expect(d).toMatchObject({ code: 'INTERNAL', rawCode: 'NEW_CODE' });
    for (const bad of ['[]', '{"message":"m","op":1}', '{"code":"X","op":1}', '{"code":"X","message":"m","op":300}', '{"code":"X","message":"m"}', 'x']) {
      expect(decodeErrorPayload(Buffer.from(bad))).toBeNull();
    }
  });
});
