import { Body, Controller, Get, HttpCode, Post, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Caller } from '@kaosnet/common';
import { AccountsService } from './accounts.service.js';
import { AccountCustomLinkDto, AccountDeviceLinkDto, AccountEmailLinkDto, AccountEmailUnlinkDto } from './dto/account-link.dto.js';
import { AccountResponseDto, toAccountResponse } from './dto/account-response.dto.js';
import { AccountUpdateDto } from './dto/account-update.dto.js';
import { ApiErrors } from './dto/error-response.dto.js';
import { CurrentCaller } from './guards/current-caller.decorator.js';
import { UserAuthGuard } from './guards/user-auth.guard.js';

type UserCaller = Extract<Caller, { kind: 'user' }>;

/** REST adapter of the signed-in player's own account: shapes only, rules are in AccountsService. */
@ApiTags('account')
@ApiBearerAuth('bearer')
@UseGuards(UserAuthGuard)
@Controller('api/account')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Get()
  @ApiOperation({ summary: "The caller's account" })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(401, 404)
  async get(@CurrentCaller() caller: UserCaller): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.getAccount(caller, caller.userId));
  }

  @Put()
  @ApiOperation({ summary: 'Update profile fields (absent = unchanged, null clears an optional text field)' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404, 409, 413)
  async update(@CurrentCaller() caller: UserCaller, @Body() body: AccountUpdateDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.updateAccount(caller, caller.userId, body));
  }

  @Post('link/device')
  @HttpCode(200)
  @ApiOperation({ summary: 'Link another device id to the account' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404, 409)
  async linkDevice(@CurrentCaller() caller: UserCaller, @Body() body: AccountDeviceLinkDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.linkDevice(caller, caller.userId, body.deviceId));
  }

  @Post('link/email')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set (or replace) the email login and its password' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404, 409)
  async linkEmail(@CurrentCaller() caller: UserCaller, @Body() body: AccountEmailLinkDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.linkEmail(caller, caller.userId, body));
  }

  @Post('link/custom')
  @HttpCode(200)
  @ApiOperation({ summary: 'Set (or replace) the custom id' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404, 409)
  async linkCustom(@CurrentCaller() caller: UserCaller, @Body() body: AccountCustomLinkDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.linkCustom(caller, caller.userId, body.id));
  }

  @Post('unlink/device')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unlink a device id (refused for the last way to sign in)' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404)
  async unlinkDevice(@CurrentCaller() caller: UserCaller, @Body() body: AccountDeviceLinkDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.unlinkDevice(caller, caller.userId, body.deviceId));
  }

  @Post('unlink/email')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unlink the email login (refused for the last way to sign in)' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404)
  async unlinkEmail(@CurrentCaller() caller: UserCaller, @Body() body: AccountEmailUnlinkDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.unlinkEmail(caller, caller.userId, body.email));
  }

  @Post('unlink/custom')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unlink the custom id (refused for the last way to sign in)' })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiErrors(400, 401, 404)
  async unlinkCustom(@CurrentCaller() caller: UserCaller, @Body() body: AccountCustomLinkDto): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.unlinkCustom(caller, caller.userId, body.id));
  }
}
