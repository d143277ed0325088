import { Module } from '@nestjs/common';
import { AccountsModule } from '@kaosnet/accounts';
import { AdminAccountsController } from './admin-accounts.controller.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import { AdminAuthController } from './admin-auth.controller.js';
import { AdminAuthGuard } from './admin-auth.guard.js';
import { AdminAuthService } from './admin-auth.service.js';
import { ApiKeysController } from './api-keys.controller.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysService } from './api-keys.service.js';
import { ConsoleUsersController } from './console-users.controller.js';
import { ConsoleUsersRepository } from './console-users.repository.js';
import { ConsoleUsersService } from './console-users.service.js';
import { LoginFailuresRepository } from './login-failures.repository.js';

/**
 * Admin identity on the console port: console users, API keys, the admin guard, and the admin
 * view of player accounts. Feature libs with admin routes import this module and use
 * `@AdminAccess(...)` + `@AdminCaller()`.
 * Needs KAOS_CONFIG, Clock and a TypeORM DataSource from the application.
 */
@Module({
  imports: [AccountsModule],
  controllers: [AdminAuthController, ConsoleUsersController, ApiKeysController, AdminAccountsController],
  providers: [AdminAccountsService, ConsoleUsersRepository, ApiKeysRepository, LoginFailuresRepository, ConsoleUsersService, ApiKeysService, AdminAuthService, AdminAuthGuard],
  exports: [AdminAuthService, AdminAuthGuard],
})
export class AdminModule {}
