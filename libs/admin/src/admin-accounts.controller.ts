import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiNoContentResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccountResponseDto, toAccountResponse } from '@kaosnet/accounts';
import { ADMIN_ACCESS, describeRequirement, type AdminPrincipal } from './admin-access.js';
import { AdminAccess, CurrentAdmin } from './admin-access.decorator.js';
import { AdminAccountsService } from './admin-accounts.service.js';
import { AdminErrorResponseDto } from './dto/admin-error-response.dto.js';
import { AdminAccountListQueryDto, AdminAccountListResponseDto } from './dto/admin-account.dto.js';

const NOT_FOUND = { type: AdminErrorResponseDto, description: 'No player account with this id' };

/** Player accounts on the admin port. Viewers read; developers also ban/unban; admins also delete. */
@ApiTags('admin: player accounts')
@Controller('admin/accounts')
export class AdminAccountsController {
  constructor(private readonly accounts: AdminAccountsService) {}

  @Get()
  @AdminAccess(ADMIN_ACCESS.accountsRead)
  @ApiOperation({ summary: 'List player accounts, newest first, with search', description: describeRequirement(ADMIN_ACCESS.accountsRead) })
  @ApiOkResponse({ type: AdminAccountListResponseDto })
  @ApiBadRequestResponse({ type: AdminErrorResponseDto, description: 'Invalid limit, search or cursor' })
  async list(@CurrentAdmin() principal: AdminPrincipal, @Query() query: AdminAccountListQueryDto): Promise<AdminAccountListResponseDto> {
    const page = await this.accounts.listAccounts(principal, { limit: query.limit, cursor: query.cursor, search: query.search });
    return page.cursor === undefined ? { accounts: page.accounts.map(toAccountResponse) } : { accounts: page.accounts.map(toAccountResponse), cursor: page.cursor };
  }

  @Get(':id')
  @AdminAccess(ADMIN_ACCESS.accountsRead)
  @ApiOperation({ summary: 'Get a player account', description: describeRequirement(ADMIN_ACCESS.accountsRead) })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async get(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.getAccount(principal, id));
  }

  @Post(':id/ban')
  @HttpCode(200)
  @AdminAccess(ADMIN_ACCESS.accountsBan)
  @ApiOperation({ summary: 'Ban a player account', description: `${describeRequirement(ADMIN_ACCESS.accountsBan)} Ends its sessions; it can neither sign in nor refresh.` })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async ban(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.banAccount(principal, id));
  }

  @Post(':id/unban')
  @HttpCode(200)
  @AdminAccess(ADMIN_ACCESS.accountsBan)
  @ApiOperation({ summary: 'Lift a ban', description: describeRequirement(ADMIN_ACCESS.accountsBan) })
  @ApiOkResponse({ type: AccountResponseDto })
  @ApiNotFoundResponse(NOT_FOUND)
  async unban(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<AccountResponseDto> {
    return toAccountResponse(await this.accounts.unbanAccount(principal, id));
  }

  @Delete(':id')
  @HttpCode(204)
  @AdminAccess(ADMIN_ACCESS.accountsDelete)
  @ApiOperation({ summary: 'Delete a player account', description: `${describeRequirement(ADMIN_ACCESS.accountsDelete)} Removes its devices and sessions; its tokens stop working at once.` })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiNotFoundResponse(NOT_FOUND)
  async remove(@CurrentAdmin() principal: AdminPrincipal, @Param('id') id: string): Promise<void> {
    await this.accounts.deleteAccount(principal, id);
  }
}
