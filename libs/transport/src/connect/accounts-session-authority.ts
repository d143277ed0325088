import { Injectable } from '@nestjs/common';
import { SYSTEM_CALLER } from '@kaosnet/common';
import { AccountsService } from '@kaosnet/accounts';
import type { SessionIdentity } from '../session/kaos-session.js';
import type { SessionAuthority } from '../session/session-starter.js';
import { ConnectTokens } from './connect-tokens.js';

/**
 * SessionStart's identity check, backed by the accounts core: a banned or deleted account is
 * refused; username and vars come from the identity recorded when the token was issued.
 */
@Injectable()
export class AccountsSessionAuthority implements SessionAuthority {
  constructor(
    private readonly accounts: AccountsService,
    private readonly connectTokens: ConnectTokens,
  ) {}

  async resolve(userId: string, sessionId: string): Promise<SessionIdentity | null> {
    let account;
    try {
      account = await this.accounts.getAccount(SYSTEM_CALLER, userId);
    } catch {
      return null;
    }
    if (account.bannedAt) return null;
    const issued = this.connectTokens.identity(sessionId);
    return { userId, sessionId, username: account.username, vars: issued?.userId === userId ? issued.vars : undefined };
  }
}
