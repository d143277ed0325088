import { describe, expect, it } from '@jest/globals';
import { SessionRooms } from './session-rooms.js';

describe(SessionRooms.name, () => {
  it('hands out refs from 1, unique among current rooms', () => {
    const sut = new SessionRooms<string>(60_000);
    expect([sut.allocate(0, () => 'a'), sut.allocate(0, () => 'b')]).toEqual(['a', 'b']);
    expect([...sut.byRef.entries()]).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('does not reuse a released ref within the reuse window, and does after it', () => {
    const sut = new SessionRooms<number>(60_000);
    for (let i = 0; i < 0xffff; i++) sut.allocate(0, (ref) => ref);
    expect(sut.allocate(0, (ref) => ref)).toBeUndefined();
    sut.release(7, 1_000);
    expect(sut.allocate(60_999, (ref) => ref)).toBeUndefined();
    expect(sut.allocate(61_000, (ref) => ref)).toBe(7);
  });

  it('moves on to fresh refs rather than the one just released', () => {
    const sut = new SessionRooms<number>(60_000);
    sut.allocate(0, (r) => r);
    sut.release(1, 10);
    expect(sut.allocate(20, (r) => r)).toBe(2);
    expect(sut.release(99, 30)).toBeUndefined();
  });
});
