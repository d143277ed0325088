import { describe, it, expect } from '@jest/globals';
import { ProtocolErrorCode } from '../codec/protocol-error.js';
import { ReliableReceiver, type MessageSink } from './reliable-receiver.js';
import { ChannelMode } from './rudp.constants.js';
import { ktMessage, ktTag } from '../testing/rudp-test-pair.js';

class Sink implements MessageSink {
  tags: number[] = [];
  deliverMessage(_channel: number, message: Buffer): void {
    this.tags.push(ktTag(message));
  }
}

function codeOf(fn: () => void): string {
  try {
    fn();
    return 'none';
  } catch (error) {
    return (error as { code: string }).code;
  }
}

function fragments(message: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < message.length; i += 1_100) {
    out.push(message.subarray(i, Math.min(message.length, i + 1_100)));
  }
  return out;
}

describe(ReliableReceiver.name, () => {
  it('RO: buffers out-of-order messages and delivers them in msg_id order, exactly once', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 131_072);
    const sink = new Sink();
    for (const id of [2, 0, 2, 1, 0, 3]) {
      sut.onMessage(id, ktMessage(0x80, 8, id), sink);
    }
    expect(sink.tags).toEqual([0, 1, 2, 3]);
    expect(sut.bufferedBytes).toBe(0);
  });

  it('RU: delivers on arrival, ignores duplicates and advances next_expected past contiguous ids (§10.7)', () => {
    const sut = new ReliableReceiver(2, ChannelMode.RELIABLE_UNORDERED, 131_072);
    const sink = new Sink();
    for (const id of [1, 1, 0, 3, 0]) {
      sut.onMessage(id, ktMessage(0x80, 8, id), sink);
    }
    expect(sink.tags).toEqual([1, 0, 3]);
    expect(sut.nextExpected).toBe(2);
  });

  it('treats ids within 1,024 below next_expected as duplicates and farther ones as PROTOCOL_ERROR', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 131_072);
    const sink = new Sink();
    expect(codeOf(() => sut.onMessage(65_535, ktMessage(0x80, 8), sink))).toBe('none');
    expect(codeOf(() => sut.onMessage(1_023, ktMessage(0x80, 8), sink))).toBe('none');
    expect(codeOf(() => sut.onMessage(1_024, ktMessage(0x80, 8), sink))).toBe(ProtocolErrorCode.WINDOW);
  });

  it('wraps msg_id in serial arithmetic', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 1 << 30);
    const sink = new Sink();
    for (let id = 0; id < 70_000; id++) {
      sut.onMessage(id & 0xffff, ktMessage(0x80, 4, id), sink);
    }
    expect(sink.tags.length).toBe(70_000);
    expect(sink.tags[69_999]).toBe(69_999);
  });

  it('closes PROTOCOL_ERROR when buffered bytes exceed reliableWindowBytes + 65,538', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 2_000);
    const sink = new Sink();
    let code = 'none';
    for (let id = 1; id < 100 && code === 'none'; id++) {
      code = codeOf(() => sut.onMessage(id, ktMessage(0x80, 1_000, id), sink));
    }
    expect(code).toBe(ProtocolErrorCode.BUFFER_OVERFLOW);
  });

  it('reassembles fragments in any order, ignores duplicate fragments', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 131_072);
    const sink = new Sink();
    const msg = ktMessage(0x80, 5_000, 77);
    const frags = fragments(msg);
    for (const i of [4, 0, 2, 2, 1, 3]) {
      sut.onFragment(0, i, frags.length, frags[i], sink);
    }
    expect(sink.tags).toEqual([77]);
    expect(sut.pendingReassemblies).toBe(0);
  });

  it('rejects a frag_count that differs between fragments of one message', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 131_072);
    const frags = fragments(ktMessage(0x80, 5_000));
    sut.onFragment(0, 0, 5, frags[0], new Sink());
    expect(codeOf(() => sut.onFragment(0, 1, 6, frags[1], new Sink()))).toBe(ProtocolErrorCode.BAD_FRAGMENT);
  });

  it('rejects a reassembled size that differs from 3 + len or fits MAX_SINGLE', () => {
    const sut = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 131_072);
    const frags = fragments(ktMessage(0x80, 5_000));
    sut.onFragment(0, 0, 5, frags[0], new Sink());
    sut.onFragment(0, 1, 5, frags[1], new Sink());
    sut.onFragment(0, 2, 5, frags[2], new Sink());
    sut.onFragment(0, 3, 5, frags[3], new Sink());
    expect(codeOf(() => sut.onFragment(0, 4, 5, frags[4].subarray(1), new Sink()))).toBe(ProtocolErrorCode.BAD_FRAGMENT);
    const small = new ReliableReceiver(1, ChannelMode.RELIABLE_ORDERED, 131_072);
    const tiny = ktMessage(0x80, 1_000);
    small.onFragment(0, 0, 2, Buffer.concat([tiny, Buffer.alloc(97)]), new Sink());
    expect(codeOf(() => small.onFragment(0, 1, 2, Buffer.alloc(1), new Sink()))).toBe(ProtocolErrorCode.BAD_FRAGMENT);
  });
});
