import type { AdminAccessRequirement } from '@kaosnet/admin';

/**
 * Access rules of the rooms lib's admin routes.
 *
 * | operation                         | viewer | developer | admin | API key scope   |
 * |-----------------------------------|--------|-----------|-------|-----------------|
 * | status, list / get sessions       |  yes   |    yes    |  yes  | sessions:read   |
 * | kick a session                    |   -    |    yes    |  yes  | sessions:write  |
 * | list / get rooms, room state      |  yes   |    yes    |  yes  | rooms:read      |
 * | terminate a room                  |   -    |    yes    |  yes  | rooms:write     |
 */
export const ROOMS_ADMIN_ACCESS = {
  sessionsRead: { role: 'viewer', scope: 'sessions:read' },
  sessionsWrite: { role: 'developer', scope: 'sessions:write' },
  roomsRead: { role: 'viewer', scope: 'rooms:read' },
  roomsWrite: { role: 'developer', scope: 'rooms:write' },
} as const satisfies Record<string, AdminAccessRequirement>;
