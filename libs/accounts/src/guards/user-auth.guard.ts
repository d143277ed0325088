import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { Caller } from '@kaosnet/common';
import { AccountsErrors } from '../accounts.errors.js';
import { SessionTokens } from '../session-tokens.service.js';

/** The request after UserAuthGuard: the caller proven by the bearer access token. */
export interface RequestWithCaller extends Request {
  kaosCaller?: Caller;
}

/**
 * Requires `Authorization: Bearer <access token>` (a player token: signature, expiry and a live
 * session are checked) and attaches the user Caller to the request for `@CurrentCaller()`.
 */
@Injectable()
export class UserAuthGuard implements CanActivate {
  constructor(private readonly tokens: SessionTokens) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<RequestWithCaller>();
    const header = req.headers.authorization;
    const m = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header.trim()) : null;
    if (!m) throw AccountsErrors.missingToken();
    const access = await this.tokens.verifyAccessToken(m[1]!);
    req.kaosCaller = {
      kind: 'user',
      userId: access.userId,
      sessionId: access.sessionId,
      username: access.username,
      vars: access.vars,
      origin: 'rest',
    };
    return true;
  }
}
