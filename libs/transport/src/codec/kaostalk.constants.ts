/** KaosTalk message-layer limits (spec §2, §7.2, §8). */

/** Size of the `op u8 | len u16 LE` header (§2.1). */
export const KT_HEADER_SIZE = 3;
/** Largest payload a KaosTalk message can carry (§2.1). */
export const MAX_KT_PAYLOAD = 65_535;
/** Largest serialized KaosTalk message: header + payload (§2.1). */
export const MAX_KT_MESSAGE = KT_HEADER_SIZE + MAX_KT_PAYLOAD;
/** Control payload cap (§2.3); Rpc and RpcResponse use {@link MAX_RPC_PAYLOAD}. */
export const MAX_CONTROL_PAYLOAD = 16_384;
export const MAX_RPC_PAYLOAD = 65_535;
/** Messages per WebSocket message (§5.2, §7.2). */
export const MAX_MESSAGES_PER_WS_MESSAGE = 512;
/** WebSocket message cap (§5.1). */
export const WS_MAX_FRAME_BYTES = 131_072;
/** `cid` length bounds and allowed byte range (§2.3). */
export const CID_MIN_LENGTH = 1;
export const CID_MAX_LENGTH = 64;
export const CID_MIN_CHAR = 0x21;
export const CID_MAX_CHAR = 0x7e;
/** Error op `message` cap in characters (§2.6). */
export const MAX_ERROR_MESSAGE_CHARS = 256;
/** RoomData limits (§2.5). */
export const MAX_ROOM_DATA = 16_384;
export const MAX_ROOM_DATA_UNRELIABLE = 1_087;
export const MAX_ROOM_TARGETS = 32;
/** Largest serialized message that travels in one MSG frame (§3.5). */
export const MAX_SINGLE = 1_100;
