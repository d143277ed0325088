import { KaosError } from '@kaosnet/common';

/** Stable reasons of the rooms feature. */
export const RoomsReason = {
  ROOM_NOT_FOUND: 'ROOM_NOT_FOUND',
  ROOM_FULL: 'ROOM_FULL',
  ROOM_CLOSED: 'ROOM_CLOSED',
  ALREADY_MEMBER: 'ALREADY_MEMBER',
  NOT_A_MEMBER: 'NOT_A_MEMBER',
  TOO_MANY_ROOMS: 'TOO_MANY_ROOMS',
  SERVER_ROOMS_FULL: 'SERVER_ROOMS_FULL',
  MATCH_MODULE_NOT_FOUND: 'MATCH_MODULE_NOT_FOUND',
  JOIN_REJECTED: 'JOIN_REJECTED',
  MATCH_FAILED: 'MATCH_FAILED',
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  NO_SIGNAL_HANDLER: 'NO_SIGNAL_HANDLER',
} as const;
export type RoomsReason = (typeof RoomsReason)[keyof typeof RoomsReason];

export const RoomsErrors = {
  roomNotFound: () => KaosError.notFound('Room not found', { reason: RoomsReason.ROOM_NOT_FOUND }),
  refNotFound: (ref: number) => KaosError.notFound(`No room with ref ${ref} in this session`, { reason: RoomsReason.NOT_A_MEMBER }),
  roomFull: (max: number) => KaosError.conflict(`Room is full (${max} players)`, { reason: RoomsReason.ROOM_FULL }),
  roomClosed: () => KaosError.conflict('Room is closed', { reason: RoomsReason.ROOM_CLOSED }),
  alreadyMember: () => KaosError.conflict('Already a member of this room', { reason: RoomsReason.ALREADY_MEMBER }),
  tooManyRooms: (max: number) => KaosError.conflict(`A session may be in at most ${max} rooms`, { reason: RoomsReason.TOO_MANY_ROOMS }),
  serverFull: (max: number) => KaosError.unavailable(`Server holds its maximum of ${max} rooms`, { reason: RoomsReason.SERVER_ROOMS_FULL }),
  moduleNotFound: (name: string) => KaosError.notFound(`No match handler "${name}"`, { reason: RoomsReason.MATCH_MODULE_NOT_FOUND }),
  joinRejected: (code: 'FORBIDDEN' | 'CONFLICT', reason?: string) =>
    code === 'CONFLICT'
      ? KaosError.conflict(reason || 'Join rejected by the room', { reason: RoomsReason.JOIN_REJECTED })
      : KaosError.forbidden(reason || 'Join rejected by the room', { reason: RoomsReason.JOIN_REJECTED }),
  sessionNotFound: () => KaosError.notFound('Session not found', { reason: RoomsReason.SESSION_NOT_FOUND }),
  notAuthoritative: () => KaosError.badRequest('Room has no match handler', { reason: RoomsReason.NO_SIGNAL_HANDLER }),
};
