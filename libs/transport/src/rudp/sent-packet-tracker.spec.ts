import { describe, it, expect } from '@jest/globals';
import { AckTracker } from './ack-tracker.js';
import { CongestionController } from './congestion-controller.js';
import { FrameReader } from './frame-reader.js';
import { OutboundMessage } from './outbound-message.js';
import { ReplayWindow } from './replay-window.js';
import { RttEstimator } from './rtt-estimator.js';
import { DEFAULT_CHANNEL_MODES } from './rudp.constants.js';
import { SentPacketTracker, TimeoutKind, type FrameFateSink } from './sent-packet-tracker.js';

class Fates implements FrameFateSink {
  acked: number[] = [];
  lost: number[] = [];
  onFrameAcked(msg: OutboundMessage): void {
    this.acked.push(msg.bytes[0]);
  }
  onFrameLost(msg: OutboundMessage): void {
    this.lost.push(msg.bytes[0]);
  }
}

/** An ACK frame for exactly `pns`, decoded into a reader. */
function ackOf(pns: number[], delayUnits = 0): FrameReader {
  const window = new ReplayWindow();
  const acks = new AckTracker(window, 25);
  for (const pn of [...pns].sort((a, b) => a - b)) {
    window.mark(pn);
  }
  acks.onPacketReceived(Math.max(...pns), -1, false, 0);
  const buf = Buffer.alloc(64);
  const end = acks.write(buf, 0, delayUnits * 0.032);
  const reader = new FrameReader();
  reader.reset(buf.subarray(0, end), DEFAULT_CHANNEL_MODES, 64);
  reader.next();
  return reader;
}

function setup(seed = 100): { sut: SentPacketTracker; fates: Fates; cc: CongestionController } {
  const fates = new Fates();
  const cc = new CongestionController(12_000, 2_400, 32_768, 262_144);
  const sut = new SentPacketTracker(new RttEstimator(seed), cc, fates, 25, 2_000, false);
  return { sut, fates, cc };
}

function sendMany(sut: SentPacketTracker, count: number, t0: number, step: number): void {
  for (let i = 0; i < count; i++) {
    const msg = new OutboundMessage(1, Buffer.from([sut.nextPn]), 0);
    sut.onPacketSent(t0 + i * step, 1_000, true, { msg, frag: 0, moreMsgs: undefined, moreFrags: undefined });
  }
}

describe(SentPacketTracker.name, () => {
  it('rejects an ACK of a pn never sent (PROTOCOL_ERROR)', () => {
    const { sut } = setup();
    sendMany(sut, 2, 0, 1);
    expect(() => sut.onAck(ackOf([2]), 10)).toThrow(/never sent/);
  });

  it('samples RTT from the largest newly acked packet and resets pto_count', () => {
    const { sut } = setup(100);
    sendMany(sut, 3, 0, 10);
    sut.ptoCount = 3;
    sut.onAck(ackOf([0, 1, 2]), 120);
    expect(sut.rtt.latestRtt).toBe(100);
    expect(sut.ptoCount).toBe(0);
  });

  it('declares a packet lost 3 packets behind the largest acked (kPacketThreshold)', () => {
    const { sut, fates } = setup();
    sendMany(sut, 5, 0, 0.001);
    sut.onAck(ackOf([1, 2]), 1);
    expect(fates.lost).toEqual([]);
    sut.onAck(ackOf([1, 2, 3]), 1);
    expect(fates.lost).toEqual([0]);
  });

  it('declares a packet lost after 9/8 · max(srtt, latest_rtt) via the loss timer', () => {
    const { sut, fates } = setup(100);
    sendMany(sut, 2, 0, 1);
    sut.onAck(ackOf([1]), 101);
    expect(fates.lost).toEqual([]);
    const timer = sut.timer();
    expect(timer).toBeCloseTo(0 + (9 / 8) * 100, 0);
    expect(sut.onTimeout(timer)).toBe(TimeoutKind.LOSS);
    expect(fates.lost).toEqual([0]);
  });

  it('backs the PTO off by doubling and caps it at maxPtoMs', () => {
    const { sut } = setup(100);
    sendMany(sut, 1, 0, 0);
    const base = 100 + 200 + 25;
    expect(sut.timer()).toBe(base);
    expect(sut.onTimeout(base)).toBe(TimeoutKind.PTO);
    expect(sut.ptoDuration()).toBe(2 * base);
    sut.ptoCount = 10;
    expect(sut.ptoDuration()).toBe(2_000);
  });

  it('still acks the frames of a packet already declared lost, without counting it as newly acked', () => {
    const { sut, fates, cc } = setup();
    sendMany(sut, 5, 0, 0.001);
    sut.onAck(ackOf([4]), 1);
    expect(fates.lost).toEqual([0, 1]);
    const inflight = cc.bytesInFlight;
    sut.onAck(ackOf([0, 1, 4]), 2);
    expect(fates.acked).toEqual([4, 1, 0]);
    expect(sut.spuriousLosses).toBe(2);
    expect(cc.bytesInFlight).toBe(inflight);
  });

  it('detects persistent congestion when losses span more than 3 × PTO', () => {
    const { sut, cc } = setup(10);
    sendMany(sut, 1, 0, 0);
    sut.onAck(ackOf([0]), 10);
    sendMany(sut, 20, 20, 100);
    sut.onAck(ackOf([20]), 2_100);
    expect(cc.persistentCongestionEvents).toBe(1);
    expect(cc.cwnd).toBe(2_400);
  });

  it('has no PTO timer without ack-eliciting packets in flight (§10.10)', () => {
    const { sut } = setup();
    sut.onPacketSent(0, 40, false);
    expect(sut.timer()).toBe(Number.POSITIVE_INFINITY);
  });
});
