import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SYSTEM_CALLER } from '@kaosnet/common';
import { testDialects } from '@kaosnet/database';
import { expectKaos, openAccountsHarness, uniq, type AccountsHarness } from './testing/accounts-harness.js';

describe.each(testDialects())('email authentication on %s', (dialect) => {
  let h: AccountsHarness;
  beforeAll(async () => {
    h = await openAccountsHarness(dialect);
  });
  afterAll(async () => {
    await h.close();
  });

  const auth = (email: string, password: string, create?: boolean) => h.sut.authenticateEmail(SYSTEM_CALLER, { email, password, create });

  it('creates an account with a lowercased email and signs in case-insensitively', async () => {
    const email = `${uniq('Ann')}@Example.COM`;
    const first = await auth(email, 'password-123');
    expect(first.created).toBe(true);
    const again = await auth(email.toLowerCase(), 'password-123');
    expect(again).toMatchObject({ created: false, userId: first.userId });
    expect((await h.sut.getAccount(SYSTEM_CALLER, first.userId)).email).toBe(email.toLowerCase());
  });

  it('answers a wrong password and an unknown email (create=false) the same way', async () => {
    const email = `${uniq('bob')}@example.com`;
    await auth(email, 'password-123');
    const wrong = await auth(email, 'password-124').catch((e: unknown) => e);
    const unknown = await auth(`${uniq('nobody')}@example.com`, 'password-124', false).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'UNAUTHORIZED', reason: 'INVALID_CREDENTIALS', message: 'Invalid email or password' });
    expect(unknown).toMatchObject({ code: 'UNAUTHORIZED', reason: 'INVALID_CREDENTIALS', message: 'Invalid email or password' });
  });

  it('refuses short passwords and malformed emails, naming the field', async () => {
    await expect(auth(`${uniq('c')}@example.com`, 'short')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^password:/) });
    await expect(auth('not-an-email', 'password-123')).rejects.toMatchObject({ code: 'BAD_REQUEST', message: expect.stringMatching(/^email:/) });
  });

  it('locks an email after 5 failures for 15 minutes, says so, then lets the right password in', async () => {
    const email = `${uniq('dan')}@example.com`;
    const s = await auth(email, 'password-123');
    for (let i = 0; i < 4; i++) await expectKaos(auth(email, 'wrong-password'), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
    await expect(auth(email, 'wrong-password')).rejects.toMatchObject({ code: 'RATE_LIMITED', reason: 'EMAIL_LOCKED', retryAfterMs: 15 * 60 * 1000 });
    h.clock.advance(60_000);
    await expect(auth(email, 'password-123')).rejects.toMatchObject({ code: 'RATE_LIMITED', reason: 'EMAIL_LOCKED', retryAfterMs: 14 * 60 * 1000 });
    h.clock.advance(14 * 60 * 1000);
    expect((await auth(email, 'password-123')).userId).toBe(s.userId);
    // Success resets the count: four more failures do not lock.
    for (let i = 0; i < 4; i++) await expectKaos(auth(email, 'wrong-password'), 'UNAUTHORIZED');
    expect((await auth(email, 'password-123')).userId).toBe(s.userId);
  });

  it('forgets failures older than the lockout window', async () => {
    const email = `${uniq('eve')}@example.com`;
    await auth(email, 'password-123');
    for (let i = 0; i < 4; i++) await expectKaos(auth(email, 'wrong-password'), 'UNAUTHORIZED');
    h.clock.advance(16 * 60 * 1000);
    for (let i = 0; i < 4; i++) await expectKaos(auth(email, 'wrong-password'), 'UNAUTHORIZED', 'INVALID_CREDENTIALS');
  });

  it('locks unknown emails too, so the lockout reveals nothing', async () => {
    const email = `${uniq('ghost')}@example.com`;
    for (let i = 0; i < 4; i++) await expectKaos(auth(email, 'wrong-password', false), 'UNAUTHORIZED');
    await expectKaos(auth(email, 'wrong-password', false), 'RATE_LIMITED', 'EMAIL_LOCKED');
  });

  it('creates exactly one account when five sign-ups with one new email race', async () => {
    const email = `${uniq('race')}@example.com`;
    const results = await Promise.all(Array.from({ length: 5 }, () => auth(email, 'password-123')));
    expect(new Set(results.map((r) => r.userId)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });
});
