import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { ADMIN_ACCESS, describeRequirement, type AdminPrincipal } from './admin-access.js';
import { AdminAccess, CurrentAdmin } from './admin-access.decorator.js';
import { AdminAuthService } from './admin-auth.service.js';
import { ConsoleUsersService } from './console-users.service.js';
import { AdminErrorResponseDto } from './dto/admin-error-response.dto.js';
import { AdminLoginDto, AdminLoginResponseDto, toAdminLoginResponse } from './dto/admin-login.dto.js';
import { ConsoleUserResponseDto, toConsoleUserResponse } from './dto/console-user.dto.js';

@ApiTags('admin: auth')
@Controller('admin')
export class AdminAuthController {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly users: ConsoleUsersService,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in to the console',
    description: 'Returns a console token (JWT, audience "console", 8 h). After 5 failed attempts in 15 minutes the username is locked for 15 minutes (429).',
  })
  @ApiOkResponse({ type: AdminLoginResponseDto })
  @ApiBadRequestResponse({ type: AdminErrorResponseDto, description: 'Missing or malformed field' })
  @ApiUnauthorizedResponse({ type: AdminErrorResponseDto, description: 'Invalid username or password (the same answer for unknown and disabled users)' })
  @ApiTooManyRequestsResponse({ type: AdminErrorResponseDto, description: 'Too many failed logins for this username; see Retry-After' })
  async login(@Body() body: AdminLoginDto): Promise<AdminLoginResponseDto> {
    return toAdminLoginResponse(await this.auth.login(body.username, body.password));
  }

  @Get('me')
  @AdminAccess(ADMIN_ACCESS.self)
  @ApiOperation({ summary: 'The signed-in console user', description: describeRequirement(ADMIN_ACCESS.self) })
  @ApiOkResponse({ type: ConsoleUserResponseDto })
  async me(@CurrentAdmin() principal: AdminPrincipal): Promise<ConsoleUserResponseDto> {
    return toConsoleUserResponse(await this.users.getSelf(principal));
  }
}
