import { Module } from '@nestjs/common';
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
 * Admin identity on the console port: console users, API keys, the admin guard. Feature libs
 * with admin routes import this module and use `@AdminAccess(...)` + `@AdminCaller()`.
 * Needs KAOS_CONFIG, Clock and a TypeORM DataSource from the application.
 */
@Module({
  controllers: [AdminAuthController, ConsoleUsersController, ApiKeysController],
  providers: [ConsoleUsersRepository, ApiKeysRepository, LoginFailuresRepository, ConsoleUsersService, ApiKeysService, AdminAuthService, AdminAuthGuard],
  exports: [AdminAuthService, AdminAuthGuard],
})
export class AdminModule {}
