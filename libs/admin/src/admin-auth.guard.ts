import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { KaosError, type Caller } from '@kaosnet/common';
import { ADMIN_ACCESS_METADATA, assertAccess, type AdminAccessRequirement, type AdminPrincipal } from './admin-access.js';
import { AdminAuthService, adminCallerOf } from './admin-auth.service.js';

/** What the guard leaves on the request for `@AdminCaller()` / `@CurrentAdmin()`. */
export interface AdminRequestContext {
  principal: AdminPrincipal;
  caller: Caller;
}

export type AdminRequest = Request & { kaosAdmin?: AdminRequestContext };

/**
 * The one guard of the admin port. Authenticates the bearer credential (console JWT or API key,
 * 401 otherwise), then applies the route's `@AdminAccess` requirement (403). A route without a
 * requirement is refused: access is never granted by omission.
 */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly auth: AdminAuthService,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AdminRequest>();
    const principal = await this.auth.authenticate(request.headers.authorization);
    const requirement = this.reflector.getAllAndOverride<AdminAccessRequirement | undefined>(ADMIN_ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (!requirement) throw KaosError.forbidden('This route declares no admin access rule', { reason: 'ADMIN_ACCESS_DENIED' });
    assertAccess(principal, requirement);
    request.kaosAdmin = { principal, caller: adminCallerOf(principal) };
    return true;
  }
}
