// Prints the byte examples of docs/protocol.md by running the real codecs, handshake and RUDP code
// with fixed keys, nonces and clocks, so the document stays true:
//   npm run ts scripts/protocol-examples.ts
import {
  DeliveryClass,
  Direction,
  HandshakeClient,
  HandshakeServer,
  Op,
  RudpConnection,
  RudpRole,
  TokenFlag,
  createPacketCipher,
  duplexCipher,
  encodeControlEvent,
  encodeControlReply,
  encodeControlRequest,
  encodeErrorMessage,
  encodeHeartbeatMessage,
  encodeHeartbeatReplyMessage,
  encodeRoomDataC2SMessage,
  encodeRoomDataS2CMessage,
  issueConnectToken,
} from '@kaosnet/transport';
import { ErrorCode } from '@kaosnet/common';

/** Deterministic "randomness": 0x11, 0x12, … per call, so every run prints the same bytes. */
function counterRandom(start: number): (size: number) => Buffer {
  let next = start;
  return (size) => Buffer.alloc(size, next++ & 0xff);
}

const hex = (b: Buffer, max = 96) => {
  const spaced = b.subarray(0, max).toString('hex').replace(/(..)/g, '$1 ').trim();
  return b.length > max ? `${spaced} … (${b.length - max} more bytes)` : spaced;
};
const show = (title: string, b: Buffer, max?: number) => {
  const text = b.length > 3 && b[3] === 0x7b ? `\n  payload as text: ${b.subarray(3).toString('utf8')}` : '';
  console.log(`${title} (${b.length} B)\n  ${hex(b, max)}${text}\n`);
};

const NOW = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const protocolId = 0x4b41_4f53_0000_0001n;
const tokenKey = Buffer.alloc(32, 0xaa);
const endpoint = { ip: '127.0.0.1', port: 7350 };

const issued = issueConnectToken({
  userId: '00000000-0000-4000-8000-000000000001',
  sessionId: '00000000-0000-4000-8000-0000000000aa',
  idleTimeoutMs: 0,
  flags: TokenFlag.UDP | TokenFlag.WS,
  endpoints: [endpoint],
  protocolId,
  keyId: 1,
  tokenKey,
  now: NOW,
  random: counterRandom(0x11),
});

console.log('## Handshake (fixed keys, nonces and clock; the token is opaque to clients)\n');
show('connect token', issued.token, 40);
const client = new HandshakeClient({ token: issued.token, keyC2s: issued.keyC2s, keyS2c: issued.keyS2c, protocolId, random: counterRandom(0x40) });
let connId = 0x1a2b3c4d;
const server = new HandshakeServer({
  protocolId,
  tokenKeys: { current: { keyId: 1, key: tokenKey } },
  publicEndpoints: [endpoint],
  maxConnections: 10,
  now: NOW,
  random: counterRandom(0x50),
  host: { connectionCount: () => 0, connectionCountForIp: () => 0, isDraining: () => false, isPending: () => false, allocateConnId: () => connId },
});
const from = { ip: '127.0.0.1', port: 50_000 };
const hello = client.start(NOW);
show('HELLO  C→S', hello, 48);
const challengeOut = server.onDatagram(NOW + 1, hello, from);
if (challengeOut.kind !== 'challenge') throw new Error(`expected a CHALLENGE, got ${challengeOut.kind}`);
show('CHALLENGE  S→C', challengeOut.bytes);
const responseEv = client.onDatagram(NOW + 2, challengeOut.bytes);
if (responseEv.kind !== 'send') throw new Error('expected a RESPONSE');
show('RESPONSE  C→S', responseEv.bytes, 80);
const accepted = server.onDatagram(NOW + 3, responseEv.bytes, from);
if (accepted.kind !== 'accept') throw new Error(`expected accept, got ${accepted.kind}`);
const a = accepted.connection;
const serverConn = new RudpConnection({
  role: RudpRole.SERVER,
  connId: a.connId,
  cipher: duplexCipher(createPacketCipher(a.keyS2c, Direction.S2C), createPacketCipher(a.keyC2s, Direction.C2S)),
  now: 0,
  rttSeedMs: 3,
  wallClock: () => NOW + 3,
});
const [welcome] = serverConn.poll(0);
show('first DATA  S→C (pn 0, WELCOME, sealed under K_s2c)', welcome!);
const established = client.onDatagram(NOW + 4, welcome!);
if (established.kind !== 'established') throw new Error('expected the client to open the WELCOME packet');
show('  … its plaintext: WELCOME frame 0x04 (flags, server_time, idle_timeout_ms, keepalive_ms, max_ack_delay_ms, grace_ms, channel_count, modes)', established.connection.plaintext);

const clientConn = new RudpConnection({ role: RudpRole.CLIENT, connId: a.connId, cipher: duplexCipher(established.connection.sendCipher, established.connection.receiveCipher), now: 0, rttSeedMs: 3 });
clientConn.onDatagram(1, welcome!);
clientConn.send(0, encodeControlRequest(Op.SessionStart, 'c1', { v: 1 }));
const [startPacket] = clientConn.poll(1);
show('first DATA  C→S (pn 0: ACK + MSG ch 0 SessionStart, sealed under K_c2s)', startPacket!);
connId++;

console.log('## KaosTalk messages (op u8 | len u16 LE | payload) — identical on RUDP and WebSocket\n');
show('SessionStart (WS: carries the token)', encodeControlRequest(Op.SessionStart, 'c1', { v: 1, token: issued.token.toString('base64url').slice(0, 12) + '…' }));
show('SessionStart (RUDP: the handshake carried the token)', encodeControlRequest(Op.SessionStart, 'c1', { v: 1 }));
show('SessionAck', encodeControlReply(Op.SessionAck, 'c1', { sessionId: '00000000-0000-4000-8000-0000000000aa', userId: '00000000-0000-4000-8000-000000000001', serverTimeMs: NOW, idleTimeoutMs: 10000, maxPayload: 65535 }), 16);
const hb = encodeHeartbeatMessage(NOW);
show('Heartbeat request (8 B client time)', hb);
show('Heartbeat reply (16 B: t echoed ‖ server_time)', encodeHeartbeatReplyMessage(hb.subarray(3), NOW + 7));
show('Heartbeat keep-alive (0 B, no reply)', encodeHeartbeatMessage());
show('Rpc', encodeControlRequest(Op.Rpc, 'c2', { id: 'echo', payload: 'hi' }));
show('RpcResponse', encodeControlReply(Op.RpcResponse, 'c2', { payload: 'hi' }));
show('RoomCreate', encodeControlRequest(Op.RoomCreate, 'c3', { label: 'lobby', maxPlayers: 4 }));
show('RoomState snapshot (reply)', encodeControlReply(Op.RoomState, 'c3', { roomId: 'r1', ref: 1, self: { m: 1, userId: 'u1' }, label: 'lobby', state: 'open', maxPlayers: 4, members: [{ m: 1, userId: 'u1' }] }), 16);
show('RoomJoin', encodeControlRequest(Op.RoomJoin, 'c4', { roomId: 'r1' }));
show('RoomLeave', encodeControlRequest(Op.RoomLeave, 'c5', { ref: 1 }));
show('RoomList', encodeControlRequest(Op.RoomList, 'c6', { limit: 20 }));
show('RoomData C→S (ref 1, game_op 7, RO, all members, "hi")', encodeRoomDataC2SMessage(1, 7, DeliveryClass.RO, Buffer.from('hi')));
show('RoomData C→S (ref 1, game_op 7, US, targets m 2 and 3)', encodeRoomDataC2SMessage(1, 7, DeliveryClass.US, Buffer.from('hi'), [2, 3]));
show('RoomData S→C (recipient ref 2, game_op 7, RO, sender m 1)', encodeRoomDataS2CMessage(2, 7, DeliveryClass.RO, 1, Buffer.from('hi')));
show('MatchmakerAdd', encodeControlRequest(Op.MatchmakerAdd, 'c7', { query: '*', minCount: 2, maxCount: 2 }));
show('MatchmakerRemove', encodeControlRequest(Op.MatchmakerRemove, 'c8', { ticket: 't1' }));
show('SessionEnd (request)', encodeControlRequest(Op.SessionEnd, 'c9', {}));
show('SessionEnd (reply)', encodeControlReply(Op.SessionEnd, 'c9', { reason: 'client' }));
show('SessionEnd (unsolicited)', encodeControlEvent(Op.SessionEnd, { reason: 'kicked' }));
show('Error', encodeErrorMessage({ cid: 'c2', code: ErrorCode.NOT_FOUND, message: 'no such rpc', op: Op.Rpc }));
show('Error (rate limited)', encodeErrorMessage({ cid: 'c10', code: ErrorCode.RATE_LIMITED, message: 'control op rate limit', op: Op.RoomList, retryAfterMs: 50 }));
