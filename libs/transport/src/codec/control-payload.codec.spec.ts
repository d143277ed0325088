import { describe, expect, it } from '@jest/globals';
import { ErrorCode } from '@kaosnet/common';
import {
  encodeControlEvent,
  encodeControlReply,
  extractCid,
  isValidCid,
  parseControlRequest,
  parseJsonObject,
} from './control-payload.codec.js';
import { decodeSingleMessage } from './message.codec.js';
import { Op } from './op-code.table.js';

const json = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('control payloads (§2.3)', () => {
  it('parses a request and returns its cid', () => {
    const r = parseControlRequest(Op.RoomJoin, json('{"cid":"a-1","roomId":"r"}'));
    expect(r).toEqual({ ok: true, cid: 'a-1', body: { cid: 'a-1', roomId: 'r' } });
  });

  it('KT-4 a payload that is not a JSON object → BAD_REQUEST (arrays, primitives, null, garbage, two objects)', () => {
    for (const bad of ['[]', '"x"', '42', 'null', '{', '{"cid":"a"}{}', '', 'not json', '{"cid":"a",}']) {
      const r = parseControlRequest(Op.RoomJoin, json(bad));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.code).toBe(ErrorCode.BAD_REQUEST);
    }
  });

  it('rejects a BOM and invalid UTF-8, still extracting the cid', () => {
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json('{"cid":"c1"}')]);
    expect(parseControlRequest(Op.RoomJoin, bom)).toMatchObject({ ok: false, code: 'BAD_REQUEST', cid: 'c1' });
    const badUtf8 = Buffer.concat([json('{"cid":"c2","x":"'), Buffer.from([0xc3, 0x28]), json('"}')]);
    expect(parseControlRequest(Op.RoomJoin, badUtf8)).toMatchObject({ ok: false, code: 'BAD_REQUEST', cid: 'c2' });
  });

  it('KT-6 a request without a valid cid → BAD_REQUEST without cid', () => {
    const cases = [
      '{}',
      '{"cid":""}',
      '{"cid":42}',
      '{"cid":"has space"}',
      `{"cid":"${'x'.repeat(65)}"}`,
      '{"cid":"é"}',
      '{"cid":"\\u0001"}',
    ];
    for (const c of cases) {
      expect(parseControlRequest(Op.Rpc, json(c))).toEqual({ ok: false, code: 'BAD_REQUEST', cid: undefined, reason: 'missing or invalid cid' });
    }
    expect(isValidCid('x'.repeat(64))).toBe(true);
    expect(isValidCid('!~')).toBe(true);
  });

  it('enforces 16,384 B for control ops and 65,535 B for Rpc → TOO_LARGE with the cid', () => {
    const pad = (n: number): Buffer => {
      const head = '{"cid":"big","p":"';
      return json(head + 'x'.repeat(n - head.length - 2) + '"}');
    };
    expect(parseControlRequest(Op.RoomJoin, pad(16_384)).ok).toBe(true);
    expect(parseControlRequest(Op.RoomJoin, pad(16_385))).toMatchObject({ ok: false, code: 'TOO_LARGE', cid: 'big' });
    expect(parseControlRequest(Op.Rpc, pad(65_535)).ok).toBe(true);
    expect(parseJsonObject(pad(100), 99)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('extracts a cid from invalid payloads only when it is a plain valid string', () => {
    expect(extractCid(json('{"x":1, "cid" : "k9" , oops'))).toBe('k9');
    expect(extractCid(json('{"cid":"'))).toBeUndefined();
    expect(extractCid(json('{"cid":""}'))).toBeUndefined();
    expect(extractCid(json(`{"cid":"${'y'.repeat(65)}"}`))).toBeUndefined();
    expect(extractCid(json('{"cid":"a\\"b"}'))).toBeUndefined();
    expect(extractCid(json('{"s":"\\"cid\\":\\"no\\"", "cid":"yes"'))).toBe('yes');
    expect(extractCid(json('{"cid":12,"cid":"second"'))).toBe('second');
  });

  it('KT-5 a reply carries the request cid byte for byte, exactly once, first', () => {
    const cids = ['r1', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~', 'z'.repeat(64)];
    for (const cid of cids) {
      const request = json(JSON.stringify({ cid, id: 'echo' }));
      const parsed = parseControlRequest(Op.Rpc, request);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) continue;
      const reply = encodeControlReply(Op.RpcResponse, parsed.cid, { cid: 'spoofed', payload: 'p' });
      const msg = decodeSingleMessage(reply);
      expect(msg.op).toBe(Op.RpcResponse);
      const body = JSON.parse(msg.payload.toString('utf8')) as Record<string, unknown>;
      expect(body).toEqual({ cid, payload: 'p' });
      expect(Buffer.from(body['cid'] as string, 'latin1').equals(Buffer.from(cid, 'latin1'))).toBe(true);
      expect(Object.keys(body)[0]).toBe('cid');
    }
    expect(decodeSingleMessage(encodeControlReply(Op.SessionEnd, 'e', {})).payload.toString()).toBe('{"cid":"e"}');
    expect(() => encodeControlReply(Op.SessionAck, '', {})).toThrow(RangeError);
  });

  it('builds events without a cid and refuses oversize bodies', () => {
    const ev = decodeSingleMessage(encodeControlEvent(Op.RoomState, { cid: 'x', roomId: 'r', ref: 1 }));
    expect(JSON.parse(ev.payload.toString())).toEqual({ roomId: 'r', ref: 1 });
    expect(() => encodeControlEvent(Op.RoomState, { s: 'x'.repeat(17_000) })).toThrow(RangeError);
    expect(() => encodeControlReply(Op.RpcResponse, 'c', { s: 'x'.repeat(17_000) })).not.toThrow();
  });
});
