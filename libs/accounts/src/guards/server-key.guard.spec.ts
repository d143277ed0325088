import { describe, expect, it } from '@jest/globals';
import { DEFAULT_CONFIG, type KaosConfig } from '@kaosnet/common';
import { ServerKeyGuard } from './server-key.guard.js';

const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;

describe(ServerKeyGuard.name, () => {
  const sut = new ServerKeyGuard({ ...DEFAULT_CONFIG, serverKey: 'the-server-key' } as KaosConfig);

  it('accepts Basic auth whose username is the server key', () => {
    expect(sut.matches(basic('the-server-key:'))).toBe(true);
    expect(sut.matches(basic('the-server-key'))).toBe(true);
    expect(sut.matches(`basic ${Buffer.from('the-server-key:').toString('base64')}`)).toBe(true);
  });

  it('refuses a missing, wrong, truncated or non-Basic key', () => {
    for (const h of [undefined, '', basic('wrong:'), basic('the-server-ke:'), basic(':the-server-key'), 'Bearer the-server-key', 'Basic !!!', basic('x'.repeat(2000))]) {
      expect(sut.matches(h)).toBe(false);
    }
  });
});
