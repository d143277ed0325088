import { afterAll, describe, it, expect } from '@jest/globals';
import type { LinkProfile } from '../testing/link-conditioner.js';
import { RudpTestPair, ktMessage, ktTag } from '../testing/rudp-test-pair.js';

/** Retransmitted bytes budget per loss rate (issue #3). */
const CASES = [
  { loss: 0.02, maxRetransmitRatio: 0.05 },
  { loss: 0.05, maxRetransmitRatio: 0.15 },
  { loss: 0.2, maxRetransmitRatio: 0.65 },
];
const SEEDS = [1, 2, 3, 4, 5];
const MESSAGES = 300;
const figures: string[] = [];

/** 20 ms + up to 10 ms of queueing jitter on a FIFO path (jitter does not reorder here; see the reordering case below). */
function link(loss: number): LinkProfile {
  return { delayMs: 20, jitterMs: 10, jitterReorders: false, lossRate: loss };
}

function runRoTraffic(pair: RudpTestPair): void {
  pair.connect(20_000);
  for (let i = 0; i < MESSAGES; i++) {
    // Mostly small, some multi-fragment messages.
    const size = i % 25 === 24 ? 4_000 + ((i * 37) % 3_000) : 50 + ((i * 131) % 900);
    pair.server.send(1, ktMessage(0x80, size, i));
    if (i % 5 === 4) {
      pair.net.runUntil(pair.net.now + 20);
    }
  }
  const done = pair.net.runWhile(() => pair.clientEvents.messages.length < MESSAGES, 60_000);
  pair.net.runUntil(pair.net.now + 2_000);
  expect(done).toBe(true);
  expect(pair.clientEvents.messages.map((m) => ktTag(m.message))).toEqual(Array.from({ length: MESSAGES }, (_, i) => i));
}

function figure(label: string, pair: RudpTestPair): number {
  const s = pair.server.stats();
  const ratio = s.retransmittedBytes / s.reliableBytesSent;
  figures.push(
    `  ${label}: ${(ratio * 100).toFixed(1)} % (${s.retransmittedBytes}/${s.reliableBytesSent} B, ${s.packetsLost} lost, ${s.spuriousLosses} spurious, ${s.ptoCount} PTO)`,
  );
  return ratio;
}

describe('RudpConnection reliability over the seeded link conditioner', () => {
  afterAll(() => {
    process.stdout.write(`\nRUDP retransmitted / reliable bytes (RO, ${MESSAGES} messages, loss both ways, 20 ms + 0–10 ms jitter):\n${figures.join('\n')}\n`);
  });

  for (const { loss, maxRetransmitRatio } of CASES) {
    it.each(SEEDS)(`delivers reliable-ordered traffic exactly once and in order at ${loss * 100} % loss with jitter (seed %i), retransmitting ≤ ${maxRetransmitRatio * 100} %`, (seed) => {
      const pair = new RudpTestPair({ seed, rttSeedMs: 40, clientToServer: link(loss), serverToClient: link(loss) });
      runRoTraffic(pair);
      const ratio = figure(`loss ${String(loss * 100).padStart(2)} % seed ${seed}`, pair);
      expect(ratio).toBeLessThanOrEqual(maxRetransmitRatio);
    });
  }

  it.each([1, 2])('stays exactly once and in order when jitter reorders packets (5 % loss, seed %i); reorderAdaptive keeps resends in budget', (seed) => {
    const reordering: LinkProfile = { delayMs: 20, jitterMs: 10, lossRate: 0.05 };
    const plain = new RudpTestPair({ seed, rttSeedMs: 40, clientToServer: reordering, serverToClient: reordering });
    runRoTraffic(plain);
    figure(`reordering jitter, loss 5 %, seed ${seed}, defaults`, plain);
    const adaptive = new RudpTestPair({ seed, rttSeedMs: 40, clientToServer: reordering, serverToClient: reordering, limits: { reorderAdaptive: true } });
    runRoTraffic(adaptive);
    expect(figure(`reordering jitter, loss 5 %, seed ${seed}, reorderAdaptive`, adaptive)).toBeLessThanOrEqual(0.15);
  });

  it('never delivers an older unreliable-sequenced message after a newer one (reordering, loss, duplication)', () => {
    const pair = new RudpTestPair({
      seed: 77,
      rttSeedMs: 40,
      serverToClient: { delayMs: 20, jitterMs: 30, lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.2, reorderDelayMs: 25 },
      clientToServer: { delayMs: 20 },
    });
    pair.connect();
    for (let i = 0; i < 400; i++) {
      pair.server.send(3, ktMessage(0x13, 40, i));
      pair.net.runUntil(pair.net.now + 3);
    }
    pair.net.runUntil(pair.net.now + 1_000);
    const tags = pair.clientEvents.messages.filter((m) => m.channel === 3).map((m) => ktTag(m.message));
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.length).toBeLessThan(400);
    for (let i = 1; i < tags.length; i++) {
      expect(tags[i]).toBeGreaterThan(tags[i - 1]);
    }
  });
});
