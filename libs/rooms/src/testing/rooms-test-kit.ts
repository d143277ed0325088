import { ManualClock } from '@kaosnet/common';
import {
  decodeMessages,
  decodeRoomDataS2C,
  defaultTransportOptions,
  KaosTalkDispatcher,
  Op,
  RoomDataS2C,
  SessionRegistry,
  type KaosSession,
  type KaosTalkGateway,
  type Lane,
  type LinkStats,
  type SessionLink,
} from '@kaosnet/transport';
import { MatchRegistry } from '../match-registry.js';
import { DEFAULT_ROOMS_OPTIONS, type RoomsOptions } from '../rooms.options.js';
import { RoomsService } from '../rooms.service.js';
import { ManualScheduler } from './manual-scheduler.js';

/** A link that records what the server sends, decoded. */
export class RecordingLink implements SessionLink {
  readonly kind = 'ws' as const;
  readonly remoteAddress = '127.0.0.1';
  readonly sent: { op: number; lane: Lane; body?: Record<string, unknown>; data?: { ref: number; gameOp: number; sender: number; text: string } }[] = [];
  closed = false;

  send(message: Buffer, lane: Lane): void {
    for (const m of decodeMessages(message, 100)) {
      if (m.op === Op.RoomData) {
        const rd = new RoomDataS2C();
        decodeRoomDataS2C(Buffer.from(m.payload), rd);
        this.sent.push({ op: m.op, lane, data: { ref: rd.ref, gameOp: rd.gameOp, sender: rd.sender, text: rd.data.toString() } });
      } else {
        this.sent.push({ op: m.op, lane, body: JSON.parse(Buffer.from(m.payload).toString('utf8')) as Record<string, unknown> });
      }
    }
  }
  close(): void {
    this.closed = true;
  }
  stats(): LinkStats {
    return { rttMs: 0, lossRate: 0, bytesIn: 0, bytesOut: 0, messagesIn: 0, messagesOut: 0, shed: 0 };
  }
  events(op: number): Record<string, unknown>[] {
    return this.sent.filter((s) => s.op === op && s.body).map((s) => s.body!);
  }
  data(): { ref: number; gameOp: number; sender: number; text: string }[] {
    return this.sent.filter((s) => s.data).map((s) => s.data!);
  }
}

/**
 * RoomsService wired by hand on a manual clock and scheduler, with a real session registry and
 * dispatcher and recording links (unit tests: no sockets, no sleeping).
 */
export function roomsTestKit(options: Partial<RoomsOptions> = {}) {
  const clock = new ManualClock();
  const scheduler = new ManualScheduler(clock);
  const transportOptions = defaultTransportOptions({ tokenKeys: { current: { id: 1, key: Buffer.alloc(32) } } });
  const registry = new SessionRegistry(transportOptions, clock);
  const dispatcher = new KaosTalkDispatcher(registry, transportOptions, clock, () => undefined);
  const gateway = { registry, dispatcher } as Pick<KaosTalkGateway, 'registry' | 'dispatcher'> as KaosTalkGateway;
  const matches = new MatchRegistry();
  const sut = new RoomsService(gateway, matches, clock, { ...DEFAULT_ROOMS_OPTIONS, exampleHandlers: false, ...options }, scheduler);
  sut.onModuleInit();
  let n = 0;
  const session = (): { session: KaosSession; link: RecordingLink } => {
    const link = new RecordingLink();
    const session = registry.open({ sessionId: `s${++n}`, userId: `u${n}`, username: `user${n}` }, link);
    return { session, link };
  };
  return { clock, scheduler, registry, dispatcher, matches, sut, session };
}
