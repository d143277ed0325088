import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Caller } from '@kaosnet/common';
import { AccountsErrors } from '../accounts.errors.js';
import type { RequestWithCaller } from './user-auth.guard.js';

/**
 * The Caller attached by UserAuthGuard.
 *
 * @example
 * @UseGuards(UserAuthGuard)
 * @Get('me') me(@CurrentCaller() caller: Caller) { … }
 */
export const CurrentCaller = createParamDecorator((_data: unknown, context: ExecutionContext): Caller => {
  const caller = context.switchToHttp().getRequest<RequestWithCaller>().kaosCaller;
  // Only reachable when a route forgot UserAuthGuard: refuse rather than act anonymously.
  if (!caller) throw AccountsErrors.invalidToken();
  return caller;
});
