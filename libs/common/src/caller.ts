/**
 * Who is asking. Every core service method takes it first, so access rules live in one place
 * whichever surface (REST, KaosTalk, Lua, admin) the call came through.
 */
export type CallerOrigin = 'rest' | 'kaostalk' | 'lua' | 'admin' | 'server';

export type Caller =
  | { kind: 'user'; userId: string; sessionId?: string; username?: string; origin: CallerOrigin; vars?: Record<string, string> }
  | { kind: 'system'; origin: CallerOrigin; actor?: string };

export const SYSTEM_CALLER: Caller = Object.freeze({ kind: 'system', origin: 'server' }) as Caller;

export function userCaller(userId: string, origin: CallerOrigin = 'rest', extra: { sessionId?: string; username?: string; vars?: Record<string, string> } = {}): Caller {
  return { kind: 'user', userId, origin, ...extra };
}

export function isSystem(caller: Caller): caller is Extract<Caller, { kind: 'system' }> {
  return caller.kind === 'system';
}
