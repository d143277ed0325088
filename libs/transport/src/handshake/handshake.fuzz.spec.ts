import { describe, expect, it } from '@jest/globals';
import { encodeEndpoints, openConnectToken } from './connect-token.js';
import { HandshakeClient } from './handshake.client.js';
import { TokenFlag } from './handshake.constants.js';
import { protocolIdBytes } from '../crypto/key-schedule.js';
import { CLIENT, FakeHost, KEY_RING, PROTOCOL_ID, SERVER, T0, issue, makeServer, seededBytes, seededRandom } from './handshake.test-fixtures.js';

function mutate(next: () => number, input: Buffer): Buffer {
  const out = Buffer.from(input);
  const edits = 1 + Math.floor(next() * 6);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * out.length);
    if (next() < 0.7) out[at] = out[at]! ^ (1 << Math.floor(next() * 8));
    else out[at] = Math.floor(next() * 256);
  }
  return next() < 0.1 ? out.subarray(0, Math.floor(next() * out.length)) : out;
}

describe('handshake fuzz (seeded)', () => {
  it('the token opener only ever reports a drop reason for mutated tokens', () => {
    const next = seededRandom(0x70c3);
    const t = issue().token;
    const config = { pid8: protocolIdBytes(PROTOCOL_ID), keys: KEY_RING, transportFlag: TokenFlag.UDP, publicEndpoints: encodeEndpoints([SERVER]), clockSkewMs: 2_000 };
    for (let i = 0; i < 2_000; i++) {
      const bad = mutate(next, t);
      if (bad.equals(t)) continue;
      const r = openConnectToken(bad, config, T0);
      expect(r.ok).toBe(false);
    }
  });

  it('HandshakeServer answers random and mutated datagrams with drops only, and still accepts a genuine client after', () => {
    const next = seededRandom(0x5e7);
    const random = seededBytes(0x5e8);
    const host = new FakeHost();
    const sut = makeServer(host, { perIpHandshakeBurst: 1e9, maxHandshakesPerSec: 1e9 });
    const t = issue();
    const c = new HandshakeClient({ token: t.token, keyC2s: t.keyC2s, keyS2c: t.keyS2c, protocolId: PROTOCOL_ID, random: seededBytes(1) });
    const hello = c.start(T0);
    const ch = sut.onDatagram(T0, hello, CLIENT);
    const response = (c.onDatagram(T0 + 1, (ch as { bytes: Buffer }).bytes) as { bytes: Buffer }).bytes;
    const seeds = [hello, response];
    const kinds: Record<string, number> = {};
    for (let i = 0; i < 3_000; i++) {
      const input = i % 4 === 0 ? random(Math.floor(next() * 1_300)) : mutate(next, seeds[i % 2]!);
      if (input.equals(hello) || input.equals(response)) continue;
      const from = { ip: `127.0.${(i >> 8) & 255}.${i & 255}`, port: 1_000 + (i % 50) };
      const out = sut.onDatagram(T0 + 2, input, from);
      kinds[out.kind] = (kinds[out.kind] ?? 0) + 1;
      expect(out.kind === 'drop' || (out.kind === 'challenge' && input[0] === 0x48)).toBe(true);
    }
    expect(kinds['drop']).toBeGreaterThan(2_500);
    expect(sut.onDatagram(T0 + 3, response, CLIENT).kind).toBe('accept');
  });
});
