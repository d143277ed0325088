import { describe, expect, it } from '@jest/globals';
import { createSocket } from 'node:dgram';
import { cachedLiteralCount, ipLiteralLookup } from './ip-literal-lookup.js';

describe('ipLiteralLookup', () => {
  it('answers IPv4 and IPv6 literals synchronously, in the form dgram passes (family number)', () => {
    const seen: [string, number][] = [];
    ipLiteralLookup('127.0.0.9', 4, (err, address, family) => {
      expect(err).toBeNull();
      seen.push([address, family]);
    });
    ipLiteralLookup('::1', { family: 6 }, (_e, address, family) => seen.push([address, family]));
    // Synchronous: both answers are here before this line runs.
    expect(seen).toEqual([
      ['127.0.0.9', 4],
      ['::1', 6],
    ]);
  });

  it('still resolves host names through dns.lookup (e.g. a bind host)', async () => {
    const r = await new Promise<[NodeJS.ErrnoException | null, string, number]>((resolve) => ipLiteralLookup('localhost', 4, (...a) => resolve(a)));
    expect(r[0]).toBeNull();
    expect(r[1]).toBe('127.0.0.1');
    expect(r[2]).toBe(4);
    const bad = await new Promise<NodeJS.ErrnoException | null>((resolve) => ipLiteralLookup('no-such-host.invalid', 4, (e) => resolve(e)));
    expect(bad?.code).toMatch(/ENOTFOUND|EAI_AGAIN|EAI_NONAME/);
  });

  it('a dgram socket using it binds to a host name and sends to a literal on loopback', async () => {
    const rx = createSocket('udp4');
    await new Promise<void>((r) => rx.bind(0, '127.0.0.1', r));
    const tx = createSocket({ type: 'udp4', lookup: ipLiteralLookup });
    await new Promise<void>((r) => tx.bind(0, 'localhost', r));
    const got = new Promise<string>((resolve) => rx.once('message', (m) => resolve(m.toString())));
    tx.send(Buffer.from('kaos'), rx.address().port, '127.0.0.1');
    await expect(got).resolves.toBe('kaos');
    tx.close();
    rx.close();
  });

  it('keeps its literal cache bounded when replies go to many addresses (a spoofed-HELLO flood answers each one)', () => {
    const answers: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const ip = `127.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      ipLiteralLookup(ip, 4, (_e, address) => answers.push(address));
    }
    expect(answers).toHaveLength(10_000);
    expect(answers[9_999]).toBe('127.0.39.15');
    expect(cachedLiteralCount()).toBeLessThanOrEqual(4_096);
    // Not-literals are never cached.
    ipLiteralLookup('localhost', 4, () => undefined);
    expect(cachedLiteralCount()).toBeLessThanOrEqual(4_096);
  });
});
