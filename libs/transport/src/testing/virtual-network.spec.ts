import { describe, it, expect } from '@jest/globals';
import type { RudpPeerAddress } from '../rudp/path-validator.js';
import { VirtualNetwork, type SansIoEndpoint } from './virtual-network.js';

/** Echoes every datagram back once; optionally emits a tick at fixed times. */
class Echo implements SansIoEndpoint {
  readonly got: { t: number; bytes: string; from?: RudpPeerAddress }[] = [];
  #out: Buffer[] = [];
  constructor(
    readonly echo: boolean,
    private readonly ticks: number[] = [],
  ) {}
  onDatagram(now: number, bytes: Buffer, from?: RudpPeerAddress): void {
    this.got.push({ t: now, bytes: bytes.toString(), from });
    if (this.echo) {
      this.#out.push(Buffer.from(`echo:${bytes.toString()}`));
    }
  }
  poll(now: number): Buffer[] {
    while (this.ticks.length > 0 && this.ticks[0] <= now) {
      this.#out.push(Buffer.from(`tick@${this.ticks.shift()}`));
    }
    const out = this.#out;
    this.#out = [];
    return out;
  }
  nextTimeout(): number | undefined {
    return this.ticks[0];
  }
}

describe(VirtualNetwork.name, () => {
  it('moves virtual time to timers and deliveries, in order, without sleeping', () => {
    const a = new Echo(false, [100, 250]);
    const b = new Echo(true);
    const sut = new VirtualNetwork({ seed: 1, a, b, aToB: { delayMs: 30 }, bToA: { delayMs: 20 } });
    sut.runUntil(10_000);
    expect(b.got.map((g) => [g.t, g.bytes])).toEqual([
      [130, 'tick@100'],
      [280, 'tick@250'],
    ]);
    expect(a.got.map((g) => [g.t, g.bytes])).toEqual([
      [150, 'echo:tick@100'],
      [300, 'echo:tick@250'],
    ]);
    expect(sut.now).toBe(10_000);
  });

  it('reports the sender address and lets a test drop or inject datagrams', () => {
    const a = new Echo(false, [10, 20]);
    const b = new Echo(false);
    const sut = new VirtualNetwork({
      seed: 1,
      a,
      b,
      onEmit: (_side, bytes) => bytes.toString() !== 'tick@10',
    });
    sut.inject('b', Buffer.from('forged'), 5, { address: '1.2.3.4', port: 9 });
    sut.runUntil(100);
    expect(b.got.map((g) => [g.bytes, g.from?.address])).toEqual([
      ['forged', '1.2.3.4'],
      ['tick@20', '10.0.0.1'],
    ]);
  });

  it('is deterministic for a seed', () => {
    const trace = (seed: number): number[] => {
      const a = new Echo(false, Array.from({ length: 200 }, (_, i) => i * 5));
      const b = new Echo(true);
      const net = new VirtualNetwork({ seed, a, b, aToB: { lossRate: 0.3, jitterMs: 50 }, bToA: { lossRate: 0.3 } });
      net.runUntil(5_000);
      return a.got.map((g) => g.t);
    };
    expect(trace(5)).toEqual(trace(5));
    expect(trace(5)).not.toEqual(trace(6));
  });
});
