export * from './admin.module.js';
export * from './admin.schema.js';
export {
  ADMIN_ACCESS,
  ADMIN_ACCESS_METADATA,
  ADMIN_SCOPES,
  AdminScope,
  CONSOLE_ROLES,
  ConsoleRole,
  assertAccess,
  describeRequirement,
  isAdminScope,
  isConsoleRole,
  principalSatisfies,
  roleSatisfies,
  type AdminAccessRequirement,
  type AdminPrincipal,
} from './admin-access.js';
export { AdminAccess, AdminCaller, CurrentAdmin } from './admin-access.decorator.js';
export { AdminAuthGuard, type AdminRequest, type AdminRequestContext } from './admin-auth.guard.js';
export { ADMIN_AUTH_OPTIONS, AdminAuthService, CONSOLE_TOKEN_AUDIENCE, adminCallerOf, type AdminAuthOptions } from './admin-auth.service.js';
export { AdminReason } from './admin.errors.js';
export { AdminErrorResponseDto } from './dto/admin-error-response.dto.js';
