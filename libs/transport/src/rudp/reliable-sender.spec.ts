import { describe, it, expect } from '@jest/globals';
import { FragState } from './outbound-message.js';
import { ReliableSender } from './reliable-sender.js';
import { ChannelMode } from './rudp.constants.js';
import { ktMessage } from '../testing/rudp-test-pair.js';

function make(msgWindow = 1_024, windowBytes = 131_072): ReliableSender {
  return new ReliableSender(1, ChannelMode.RELIABLE_ORDERED, msgWindow, windowBytes, { backlogBytes: 0, backlogMessages: 0 });
}

function sendAllFresh(sut: ReliableSender): void {
  while (sut.hasFresh()) {
    sut.onFrameSent(sut.freshMsg(), sut.freshFrag());
    sut.popFresh();
  }
}

describe(ReliableSender.name, () => {
  it('assigns msg_ids from 0 and holds messages beyond MSG_WINDOW until the base is acked', () => {
    const sut = make(4);
    for (let i = 0; i < 6; i++) {
      sut.enqueue(ktMessage(0x80, 10, i), 0);
    }
    expect([sut.unackedCount, sut.waitingCount, sut.nextMsgId]).toEqual([4, 2, 4]);
    const first = sut.freshMsg();
    sendAllFresh(sut);
    sut.onFrameAcked(first, 0, true);
    expect([sut.unackedCount, sut.waitingCount, sut.base]).toEqual([4, 1, 1]);
  });

  it('checks the byte window before admitting, so it may be exceeded by one message (§10.8)', () => {
    const sut = make(1_024, 2_000);
    sut.enqueue(ktMessage(0x80, 1_500), 0);
    sut.enqueue(ktMessage(0x80, 1_500), 0);
    sut.enqueue(ktMessage(0x80, 10), 0);
    expect([sut.unackedCount, sut.waitingCount]).toEqual([2, 1]);
    expect(sut.windowBytes).toBe(3_006);
  });

  it('splits messages above MAX_SINGLE into 1,100-B fragments, the last one shorter', () => {
    const sut = make();
    sut.enqueue(ktMessage(0x80, 65_535), 0);
    const msg = sut.freshMsg();
    expect(msg.fragCount).toBe(60);
    expect(msg.chunkLength(0)).toBe(1_100);
    expect(msg.chunkLength(59)).toBe(65_538 - 59 * 1_100);
    expect(sut.frameSize(msg, 59)).toBe(7 + 638);
  });

  it('queues lost fragments for retransmission in (msg_id, fragment) order, unless another copy is in flight', () => {
    const sut = make();
    sut.enqueue(ktMessage(0x80, 3_000, 1), 0);
    sut.enqueue(ktMessage(0x80, 10, 2), 0);
    const big = sut.freshMsg();
    sendAllFresh(sut);
    sut.onFrameLost(big, 2);
    sut.onFrameLost(big, 0);
    expect(sut.hasRetransmit()).toBe(true);
    expect([sut.retransmitMsg().msgId, sut.retransmitFrag()]).toEqual([0, 0]);
    sut.popRetransmit();
    expect([sut.retransmitMsg().msgId, sut.retransmitFrag()]).toEqual([0, 2]);
    // A fragment in flight twice (probe copy) is not queued when one copy is lost.
    sut.onFrameSent(big, 1);
    sut.onFrameLost(big, 1);
    expect(big.state[1]).toBe(FragState.SENT);
  });

  it('cancels a queued retransmission when a late ACK arrives', () => {
    const sut = make();
    sut.enqueue(ktMessage(0x80, 10), 0);
    const msg = sut.freshMsg();
    sendAllFresh(sut);
    sut.onFrameLost(msg, 0);
    sut.onFrameAcked(msg, 0, false);
    expect(sut.hasRetransmit()).toBe(false);
    expect(sut.unackedCount).toBe(0);
  });

  it('on resume treats every sent, unacked fragment as lost; unsent ones stay new', () => {
    const sut = make();
    sut.enqueue(ktMessage(0x80, 10, 1), 0);
    sut.onFrameSent(sut.freshMsg(), 0);
    sut.popFresh();
    sut.enqueue(ktMessage(0x80, 10, 2), 0);
    sut.requeueAllInFlight();
    expect(sut.hasRetransmit()).toBe(true);
    expect(sut.retransmitMsg().msgId).toBe(0);
    expect(sut.hasFresh() && sut.freshMsg().msgId).toBe(1);
  });
});
