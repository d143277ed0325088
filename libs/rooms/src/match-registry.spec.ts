import { describe, expect, it } from '@jest/globals';
import { MatchRegistry } from './match-registry.js';
import type { MatchHandler } from './match-handler.js';

const handler: MatchHandler<number> = { init: () => ({ state: 0 }), loop: (_c, s) => s };

describe(MatchRegistry.name, () => {
  it('builds a handler per room from the registered factory', () => {
    const sut = new MatchRegistry();
    const names: string[] = [];
    sut.register('lua.arena', (name) => (names.push(name), handler as MatchHandler<unknown>));
    expect(sut.create('lua.arena')).toBe(handler);
    expect(sut.create('lua.arena')).toBe(handler);
    expect(names).toEqual(['lua.arena', 'lua.arena']);
    expect(sut.names()).toEqual(['lua.arena']);
  });

  it('refuses a taken name unless replacing, and bad names', () => {
    const sut = new MatchRegistry();
    sut.registerInstance('x', handler);
    expect(() => sut.registerInstance('x', handler)).toThrow(expect.objectContaining({ code: 'CONFLICT' }));
    sut.registerInstance('x', handler, { replace: true });
    expect(() => sut.register('bad name!', () => handler as MatchHandler<unknown>)).toThrow(expect.objectContaining({ code: 'BAD_REQUEST' }));
    expect(sut.unregister('x')).toBe(true);
    expect(sut.has('x')).toBe(false);
  });

  it('answers NOT_FOUND for an unknown module', () => {
    expect(() => new MatchRegistry().create('nope')).toThrow(expect.objectContaining({ code: 'NOT_FOUND', reason: 'MATCH_MODULE_NOT_FOUND' }));
  });
});
