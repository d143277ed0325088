import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { AuthController } from './auth.controller.js';
import { AuthSessionsRepository } from './auth-sessions.repository.js';
import { ServerKeyGuard } from './guards/server-key.guard.js';
import { UserAuthGuard } from './guards/user-auth.guard.js';
import { SessionTokens } from './session-tokens.service.js';

/**
 * Player accounts and auth. Needs, from the composition root: the TypeORM DataSource (with
 * ACCOUNTS_SCHEMA migrated), `Clock`, and `KAOS_CONFIG` (jwtSecret resolved).
 * Import it to use AccountsService, SessionTokens, UserAuthGuard or ServerKeyGuard elsewhere.
 */
@Module({
  controllers: [AuthController, AccountsController],
  providers: [AccountsRepository, AuthSessionsRepository, SessionTokens, AccountsService, ServerKeyGuard, UserAuthGuard],
  exports: [AccountsService, SessionTokens, ServerKeyGuard, UserAuthGuard],
})
export class AccountsModule {}
