/**
 * Operations scripts can hook with `kaos.register_before` / `kaos.register_after`. The name is
 * the service operation's name on every surface (house style: one name per operation).
 *
 * | operation        | request the hook sees (and may return changed)      | after-hook result          |
 * |------------------|-----------------------------------------------------|----------------------------|
 * | authenticate     | {method: device/email/custom, id?, email?, create?, username?, vars?} (no password) | {userId, username, created} |
 * | account.update   | {userId, update: {displayName, metadata, …}}        | the account                |
 * | storage.write    | the write request                                   | the write acks             |
 * | storage.read     | the read request                                    | the objects                |
 * | storage.delete   | the delete request                                  | —                          |
 * | room.create      | {module?, params?, label?, …}                       | the room                   |
 * | room.join        | {roomId, metadata?}                                 | the join answer            |
 * | rpc              | {id, payload?}                                      | {id, payload?}             |
 */
export const HOOK_OPERATIONS = [
  'authenticate',
  'account.update',
  'storage.write',
  'storage.read',
  'storage.delete',
  'room.create',
  'room.join',
  'rpc',
] as const;
export type HookOperation = (typeof HOOK_OPERATIONS)[number];

export function isHookOperation(value: unknown): value is HookOperation {
  return typeof value === 'string' && (HOOK_OPERATIONS as readonly string[]).includes(value);
}
