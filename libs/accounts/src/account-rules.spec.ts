import { describe, expect, it } from '@jest/globals';
import { checkCustomId, checkDeviceId, checkMetadata, checkPassword, checkText, checkUsername, checkVars, generateUsername, normalizeEmail } from './account-rules.js';
import { decodeCursor, encodeCursor, checkListLimit } from './account-list.js';

const bad = (fn: () => unknown, code = 'BAD_REQUEST') => expect(fn).toThrow(expect.objectContaining({ code }) as unknown as Error);

describe('account rules', () => {
  it('bounds device ids to 10-128 and custom ids to 6-128 characters', () => {
    expect(checkDeviceId('a'.repeat(10))).toBe('a'.repeat(10));
    bad(() => checkDeviceId('a'.repeat(9)));
    bad(() => checkDeviceId('a'.repeat(129)));
    bad(() => checkDeviceId(12345678901));
    expect(checkCustomId('abcdef')).toBe('abcdef');
    bad(() => checkCustomId('abcde'));
  });

  it('keeps SQL-shaped text verbatim but refuses control characters and lone surrogates', () => {
    expect(checkText('displayName', "'; DROP TABLE accounts; --", { max: 255 })).toBe("'; DROP TABLE accounts; --");
    bad(() => checkText('displayName', 'a\u0000b', { max: 255 }));
    bad(() => checkText('displayName', 'line\nbreak', { max: 255 }));
    bad(() => checkText('displayName', 'half \ud83d', { max: 255 }));
    expect(checkText('displayName', 'ok 🎮', { max: 255 })).toBe('ok 🎮');
  });

  it('allows letters, digits, underscore, dot and hyphen in usernames', () => {
    expect(checkUsername('Ann_1.x-y')).toBe('Ann_1.x-y');
    for (const u of ['', 'has space', 'émile', 'a'.repeat(129), '" OR 1=1 --']) bad(() => checkUsername(u));
  });

  it('lowercases and trims emails and refuses malformed ones', () => {
    expect(normalizeEmail('  Ann@Example.COM ')).toBe('ann@example.com');
    for (const e of ['ann', 'ann@', '@x.io', 'a b@x.io', 'ann@x', 'ann@@x.io', `${'a'.repeat(250)}@x.io`]) bad(() => normalizeEmail(e));
  });

  it('requires passwords of at least 8 characters, naming the field', () => {
    expect(() => checkPassword('1234567')).toThrow('password: must be at least 8 characters');
    expect(checkPassword('12345678')).toBe('12345678');
  });

  it('limits vars to a small string map that fits in a token', () => {
    expect(checkVars(undefined)).toEqual({});
    expect(checkVars({ a: 'b' })).toEqual({ a: 'b' });
    bad(() => checkVars({ a: 1 }));
    bad(() => checkVars(['a']));
    bad(() => checkVars({ a: 'x\u0000' }));
    const big = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v'.repeat(200)]));
    bad(() => checkVars(big), 'TOO_LARGE');
  });

  it('accepts a JSON object of at most 16 KiB as metadata', () => {
    expect(checkMetadata({ a: [1, { b: null }] })).toEqual({ a: [1, { b: null }] });
    bad(() => checkMetadata({ a: 'x'.repeat(16 * 1024) }), 'TOO_LARGE');
    bad(() => checkMetadata(null));
    bad(() => checkMetadata('{}'));
    bad(() => checkMetadata({ 'k\u0000': 1 }));
    bad(() => checkMetadata({ s: 'lone \udc00' }));
  });

  it('generates 10-character base-32 usernames that pass the username rule', () => {
    for (let i = 0; i < 50; i++) expect(checkUsername(generateUsername())).toMatch(/^[a-z2-7]{10}$/);
  });

  it('round-trips list cursors and refuses anything else', () => {
    const c = encodeCursor({ createdAt: 1767225600000, id: 'abc' });
    expect(decodeCursor(c)).toEqual({ createdAt: 1767225600000, id: 'abc' });
    for (const x of ['', '!!!', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1.5,"a"]').toString('base64url')]) bad(() => decodeCursor(x));
    expect(checkListLimit(undefined)).toBe(50);
    bad(() => checkListLimit(2.5));
  });
});
