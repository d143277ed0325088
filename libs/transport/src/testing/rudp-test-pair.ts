import type { CloseReason, ProtocolError } from '../codec/protocol-error.js';
import type { WelcomeInfo } from '../rudp/frame-reader.js';
import { RudpConnection } from '../rudp/rudp-connection.js';
import { RudpRole, RudpState, type PacketCipher, type RudpConnectionListener } from '../rudp/rudp-connection.types.js';
import type { RudpLimits } from '../rudp/rudp.options.js';
import type { RudpPeerAddress } from '../rudp/path-validator.js';
import type { RudpChannelState } from '../rudp/rudp-channel-state.js';
import type { LinkProfile } from './link-conditioner.js';
import { createTestCipherPair } from './test-packet-cipher.js';
import { VirtualNetwork, type Side } from './virtual-network.js';

/** Everything one side of a {@link RudpTestPair} observed. */
export class RecordingListener implements RudpConnectionListener {
  readonly messages: { channel: number; message: Buffer }[] = [];
  readonly states: RudpState[] = [];
  readonly closes: { reason: CloseReason; initiator: string; error?: ProtocolError | Error }[] = [];
  lost = 0;
  overflows = 0;
  welcome: WelcomeInfo | undefined;
  /** Runs inside onWelcome (e.g. adopt a channel state on resume). */
  onWelcomeHook: ((info: WelcomeInfo) => void) | undefined;

  onMessage(channel: number, message: Buffer): void {
    this.messages.push({ channel, message: Buffer.from(message) });
  }
  onStateChange(state: RudpState): void {
    this.states.push(state);
  }
  onClose(reason: CloseReason, initiator: string, error?: ProtocolError | Error): void {
    this.closes.push({ reason, initiator, error });
  }
  onLost(): void {
    this.lost++;
  }
  onOverflow(): void {
    this.overflows++;
  }
  onWelcome(info: WelcomeInfo): void {
    this.welcome = info;
    this.onWelcomeHook?.(info);
  }
}

export interface RudpTestPairOptions {
  seed?: number;
  connId?: number;
  key?: number;
  rttSeedMs?: number;
  startTime?: number;
  limits?: Partial<RudpLimits>;
  clientLimits?: Partial<RudpLimits>;
  serverLimits?: Partial<RudpLimits>;
  clientToServer?: LinkProfile;
  serverToClient?: LinkProfile;
  onEmit?: (from: Side, bytes: Buffer, now: number) => boolean | void;
  onDeliver?: (to: Side, bytes: Buffer, now: number, from: RudpPeerAddress) => void;
  /** Server-side resume: WELCOME `resumed` = 1 and this channel state adopted at creation. */
  serverChannelState?: RudpChannelState;
  resumed?: boolean;
  /** Listener for the client (default: a new RecordingListener). */
  clientListener?: RecordingListener;
  serverListener?: RecordingListener;
  /** Real ciphers instead of the test cipher (benches measuring the whole per-packet cost). */
  cipherPair?: { client: PacketCipher; server: PacketCipher };
}

/**
 * A client and a server {@link RudpConnection} joined by a {@link VirtualNetwork} (a = client,
 * b = server), with the {@link TestPacketCipher}, as the endpoint would build them after a handshake.
 */
export class RudpTestPair {
  readonly client: RudpConnection;
  readonly server: RudpConnection;
  readonly net: VirtualNetwork;
  readonly clientEvents: RecordingListener;
  readonly serverEvents: RecordingListener;
  readonly connId: number;
  readonly ciphers: { client: PacketCipher; server: PacketCipher };

  constructor(options: RudpTestPairOptions = {}) {
    const seed = options.seed ?? 1;
    const now = options.startTime ?? 1_000;
    this.connId = options.connId ?? 0x1234_5678;
    this.ciphers = options.cipherPair ?? createTestCipherPair(options.key ?? seed * 7919 + 13);
    this.clientEvents = options.clientListener ?? new RecordingListener();
    this.serverEvents = options.serverListener ?? new RecordingListener();
    const clientAddress = { address: '10.0.0.1', port: 40_000 };
    const serverAddress = { address: '10.0.0.2', port: 7_350 };
    this.server = new RudpConnection({
      role: RudpRole.SERVER,
      connId: this.connId,
      cipher: this.ciphers.server,
      now,
      rttSeedMs: options.rttSeedMs,
      remoteAddress: clientAddress,
      limits: { ...options.limits, ...options.serverLimits },
      listener: this.serverEvents,
      wallClock: () => 1_767_225_600_000,
      channelState: options.serverChannelState,
      resumed: options.resumed,
      randomFill: (buf) => buf.fill(0x5a),
    });
    this.client = new RudpConnection({
      role: RudpRole.CLIENT,
      cipher: this.ciphers.client,
      now,
      rttSeedMs: options.rttSeedMs,
      remoteAddress: serverAddress,
      limits: { ...options.limits, ...options.clientLimits },
      listener: this.clientEvents,
    });
    this.net = new VirtualNetwork({
      seed,
      a: this.client,
      b: this.server,
      aToB: options.clientToServer,
      bToA: options.serverToClient,
      aAddress: clientAddress,
      bAddress: serverAddress,
      startTime: now,
      onEmit: options.onEmit,
      onDeliver: options.onDeliver,
    });
  }

  /** Runs until both sides are CONNECTED (the client sends something so the server confirms). */
  connect(limitMs = 10_000): void {
    const ok = this.net.runWhile(
      () => this.client.state !== RudpState.CONNECTED || this.server.state !== RudpState.CONNECTED,
      limitMs,
    );
    if (!ok) {
      throw new Error(`pair did not connect: client ${this.client.state}, server ${this.server.state}`);
    }
  }
}

/** A serialized KaosTalk message: op, len u16 LE, payload (filled with a recognisable pattern). */
export function ktMessage(op: number, payloadLength: number, tag = 0): Buffer {
  const buf = Buffer.allocUnsafe(3 + payloadLength);
  buf[0] = op;
  buf.writeUInt16LE(payloadLength, 1);
  for (let i = 0; i < payloadLength; i++) {
    buf[3 + i] = (tag + i * 31) & 0xff;
  }
  if (payloadLength >= 4) {
    buf.writeUInt32LE(tag >>> 0, 3);
  }
  return buf;
}

/** The tag written by {@link ktMessage} (payload ≥ 4 B). */
export function ktTag(message: Buffer): number {
  return message.readUInt32LE(3);
}
