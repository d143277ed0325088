import { describe, it, expect } from '@jest/globals';
import { ReplayWindow } from './replay-window.js';

describe(ReplayWindow.name, () => {
  it('accepts pn 0 first and rejects it once marked', () => {
    const sut = new ReplayWindow();
    expect(sut.check(0)).toBe(true);
    expect(sut.mark(0)).toBe(true);
    expect(sut.check(0)).toBe(false);
    expect(sut.largest).toBe(0);
  });

  it('check is read-only: a huge pn that is never marked does not move the window (netcode #86)', () => {
    const sut = new ReplayWindow();
    sut.mark(10);
    expect(sut.check(1_000_010)).toBe(true);
    expect(sut.largest).toBe(10);
    expect(sut.check(11)).toBe(true);
  });

  it('drops pns at or below largest − 1,024 and accepts unseen ones above', () => {
    const sut = new ReplayWindow();
    sut.mark(2_000);
    expect(sut.check(2_000 - 1_024)).toBe(false);
    expect(sut.check(2_000 - 1_023)).toBe(true);
    sut.mark(1_500);
    expect(sut.check(1_500)).toBe(false);
    expect(sut.has(1_500)).toBe(true);
    expect(sut.has(1_501)).toBe(false);
  });

  it('clears the bits of skipped pns when advancing, also across a full wrap', () => {
    const sut = new ReplayWindow();
    for (let pn = 0; pn < 100; pn++) {
      sut.mark(pn);
    }
    sut.mark(100 + 1_024);
    expect(sut.has(1_124)).toBe(true);
    expect(sut.check(1_123)).toBe(true);
    sut.mark(1_130);
    expect(sut.check(1_125)).toBe(true);
    expect(sut.has(1_125)).toBe(false);
  });

  it('has() answers false outside the window', () => {
    const sut = new ReplayWindow(64);
    sut.mark(5);
    sut.mark(200);
    expect(sut.has(5)).toBe(false);
    expect(sut.has(-1)).toBe(false);
    expect(sut.has(201)).toBe(false);
  });
});
