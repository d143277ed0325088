import { describe, expect, it } from '@jest/globals';
import { performance } from 'node:perf_hooks';
import { ConnectionScheduler } from './connection-scheduler.js';

class Conn {
  timerAt = Infinity;
  freed = false;
  constructor(readonly name: string) {}
}

function setup() {
  const serviced: string[] = [];
  const sut = new ConnectionScheduler<Conn>(
    (conn) => serviced.push(conn.name),
    () => performance.now(),
  );
  return { sut, serviced };
}

const tick = () => new Promise<void>((r) => queueMicrotask(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ConnectionScheduler', () => {
  it('flushes what was marked dirty once, in a microtask after the callback', async () => {
    const { sut, serviced } = setup();
    const a = new Conn('a');
    const b = new Conn('b');
    sut.markDirty(a);
    sut.markDirty(b);
    sut.markDirty(a);
    expect(serviced).toEqual([]);
    await tick();
    expect(serviced).toEqual(['a', 'b']);
    await tick();
    expect(serviced).toEqual(['a', 'b']);
  });

  it('flushes a datagram and everything its handlers touched at the end of the datagram, with no microtask', async () => {
    const { sut, serviced } = setup();
    const a = new Conn('a');
    const peer = new Conn('peer');
    sut.beginDatagram();
    sut.markDirty(peer); // a relayed message to another connection
    expect(serviced).toEqual([]);
    sut.endDatagram(a);
    expect(serviced).toEqual(['peer', 'a']);
    await tick();
    expect(serviced).toEqual(['peer', 'a']); // no second flush
    // Outside a datagram, marking dirty takes the microtask path again.
    sut.markDirty(a);
    expect(serviced).toHaveLength(2);
    await tick();
    expect(serviced).toEqual(['peer', 'a', 'a']);
  });

  it('services a connection at its armed deadline; an earlier entry is kept, rearm replaces it, freed ones are skipped', async () => {
    const { sut, serviced } = setup();
    const a = new Conn('a');
    const b = new Conn('b');
    const t0 = performance.now();
    sut.arm(a, t0 + 20);
    sut.arm(a, t0 + 500); // later: the 20-ms entry stays, and its service would re-arm
    expect(a.timerAt).toBe(t0 + 20);
    sut.arm(b, t0 + 10);
    sut.rearm(b, t0 + 400); // GRACE-style: replaces the earlier entry
    expect(b.timerAt).toBe(t0 + 400);
    const gone = new Conn('gone');
    sut.arm(gone, t0 + 5);
    gone.freed = true;
    await sleep(60);
    expect(serviced).toEqual(['a']);
    expect(a.timerAt).toBe(Infinity);
    sut.stop();
  });
});
