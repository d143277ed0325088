import { applyDecorators, createParamDecorator, SetMetadata, UseGuards, type ExecutionContext } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Caller } from '@kaosnet/common';
import { ADMIN_ACCESS_METADATA, describeRequirement, type AdminAccessRequirement, type AdminPrincipal } from './admin-access.js';
import { AdminErrors } from './admin.errors.js';
import { AdminAuthGuard, type AdminRequest } from './admin-auth.guard.js';
import { AdminErrorResponseDto } from './dto/admin-error-response.dto.js';

/**
 * Puts a route (or a whole controller) behind the admin guard with its access rule, and documents
 * both in the admin OpenAPI document. Later feature libs use it for their own admin routes
 * (their module imports `AdminModule`).
 *
 * @example
 * @Get(':id')
 * @AdminAccess({ role: 'viewer', scope: 'rooms:read' })
 * getRoom(@AdminCaller() caller: Caller, @Param('id') id: string) { … }
 */
export function AdminAccess(requirement: AdminAccessRequirement): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(ADMIN_ACCESS_METADATA, requirement),
    UseGuards(AdminAuthGuard),
    ApiBearerAuth('admin'),
    ApiExtension('x-kaos-access', { ...requirement }),
    ApiUnauthorizedResponse({ type: AdminErrorResponseDto, description: 'No bearer credential, or a malformed, expired, revoked or non-console token (player tokens are refused).' }),
    ApiForbiddenResponse({ type: AdminErrorResponseDto, description: `Too weak a role or a missing scope. ${describeRequirement(requirement)}` }),
  );
}

function contextOf(ctx: ExecutionContext) {
  const admin = ctx.switchToHttp().getRequest<AdminRequest>().kaosAdmin;
  // Only reachable when a route forgot @AdminAccess: fail closed.
  if (!admin) throw AdminErrors.tokenInvalid();
  return admin;
}

/** The `Caller` ({kind: 'system', origin: 'admin', actor}) to hand to feature services. */
export const AdminCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => contextOf(ctx).caller);

/** The authenticated console user or API key. */
export const CurrentAdmin = createParamDecorator((_data: unknown, ctx: ExecutionContext): AdminPrincipal => contextOf(ctx).principal);
