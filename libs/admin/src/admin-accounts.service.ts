import { Injectable } from '@nestjs/common';
import { AccountsService, type AccountList, type AccountListQuery, type AccountView } from '@kaosnet/accounts';
import { ADMIN_ACCESS, assertAccess, type AdminPrincipal } from './admin-access.js';
import { adminCallerOf } from './admin-auth.service.js';

/**
 * Player accounts as the admin port sees them. The account rules (paging, search, what a ban
 * ends) belong to AccountsService; this layer only applies the admin access matrix and passes the
 * admin Caller, so any admin surface gets the same checks as the REST routes.
 */
@Injectable()
export class AdminAccountsService {
  constructor(private readonly accounts: AccountsService) {}

  async listAccounts(principal: AdminPrincipal, query: AccountListQuery): Promise<AccountList> {
    assertAccess(principal, ADMIN_ACCESS.accountsRead);
    return this.accounts.listAccounts(adminCallerOf(principal), query);
  }

  async getAccount(principal: AdminPrincipal, userId: string): Promise<AccountView> {
    assertAccess(principal, ADMIN_ACCESS.accountsRead);
    return this.accounts.getAccount(adminCallerOf(principal), userId);
  }

  async banAccount(principal: AdminPrincipal, userId: string): Promise<AccountView> {
    assertAccess(principal, ADMIN_ACCESS.accountsBan);
    return this.accounts.banAccount(adminCallerOf(principal), userId);
  }

  async unbanAccount(principal: AdminPrincipal, userId: string): Promise<AccountView> {
    assertAccess(principal, ADMIN_ACCESS.accountsBan);
    return this.accounts.unbanAccount(adminCallerOf(principal), userId);
  }

  async deleteAccount(principal: AdminPrincipal, userId: string): Promise<void> {
    assertAccess(principal, ADMIN_ACCESS.accountsDelete);
    await this.accounts.deleteAccount(adminCallerOf(principal), userId);
  }
}
