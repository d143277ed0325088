import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBasicAuth, ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@kaosnet/common';
import { AccountsService } from './accounts.service.js';
import { AuthCustomDto } from './dto/auth-custom.dto.js';
import { AuthDeviceDto } from './dto/auth-device.dto.js';
import { AuthEmailDto } from './dto/auth-email.dto.js';
import { AuthLogoutDto, AuthRefreshDto } from './dto/auth-refresh.dto.js';
import { AuthSessionResponseDto, toAuthSessionResponse } from './dto/auth-session-response.dto.js';
import { ApiErrors } from './dto/error-response.dto.js';
import { CurrentCaller } from './guards/current-caller.decorator.js';
import { ServerKeyGuard } from './guards/server-key.guard.js';
import { UserAuthGuard } from './guards/user-auth.guard.js';

/** Callers of authenticate/refresh are proven only by the server key: they act as the server's client API. */
const SERVER_KEY_CALLER: Caller = Object.freeze({ kind: 'system', origin: 'rest', actor: 'server-key' }) as Caller;

/** REST adapter of player authentication: shapes only, every rule is in AccountsService. */
@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(private readonly accounts: AccountsService) {}

  @Post('device')
  @HttpCode(200)
  @UseGuards(ServerKeyGuard)
  @ApiBasicAuth('serverKey')
  @ApiOperation({ summary: 'Sign in with a device id (creates the account on first use unless create=false)' })
  @ApiOkResponse({ type: AuthSessionResponseDto })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  async device(@Body() body: AuthDeviceDto): Promise<AuthSessionResponseDto> {
    return toAuthSessionResponse(await this.accounts.authenticateDevice(SERVER_KEY_CALLER, body));
  }

  @Post('email')
  @HttpCode(200)
  @UseGuards(ServerKeyGuard)
  @ApiBasicAuth('serverKey')
  @ApiOperation({ summary: 'Sign in with email and password (creates the account on first use unless create=false)' })
  @ApiOkResponse({ type: AuthSessionResponseDto })
  @ApiErrors(400, 401, 403, 409, 413, 429)
  async email(@Body() body: AuthEmailDto): Promise<AuthSessionResponseDto> {
    return toAuthSessionResponse(await this.accounts.authenticateEmail(SERVER_KEY_CALLER, body));
  }

  @Post('custom')
  @HttpCode(200)
  @UseGuards(ServerKeyGuard)
  @ApiBasicAuth('serverKey')
  @ApiOperation({ summary: "Sign in with a custom id from the game's own identity system" })
  @ApiOkResponse({ type: AuthSessionResponseDto })
  @ApiErrors(400, 401, 403, 404, 409, 413)
  async custom(@Body() body: AuthCustomDto): Promise<AuthSessionResponseDto> {
    return toAuthSessionResponse(await this.accounts.authenticateCustom(SERVER_KEY_CALLER, body));
  }

  @Post('refresh')
  @HttpCode(200)
  @UseGuards(ServerKeyGuard)
  @ApiBasicAuth('serverKey')
  @ApiOperation({ summary: 'Exchange a refresh token (single use) for new access and refresh tokens; reuse ends the session' })
  @ApiOkResponse({ type: AuthSessionResponseDto })
  @ApiErrors(400, 401, 403)
  async refresh(@Body() body: AuthRefreshDto): Promise<AuthSessionResponseDto> {
    return toAuthSessionResponse(await this.accounts.refreshSession(SERVER_KEY_CALLER, body.refreshToken));
  }

  @Post('logout')
  @HttpCode(204)
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: "End the caller's session: its access and refresh tokens stop working" })
  @ApiNoContentResponse({ description: 'Session ended' })
  @ApiErrors(400, 401)
  async logout(@CurrentCaller() caller: Caller, @Body() body: AuthLogoutDto): Promise<void> {
    await this.accounts.logout(caller, body?.refreshToken);
  }
}
