import type { RudpChannelTable } from './rudp-channel-table.js';
import type { RudpConnectionStats, RudpState } from './rudp-connection.types.js';
import type { RudpFrameHandler } from './rudp-frame-handler.js';
import type { RudpPacketBuilder } from './rudp-packet-builder.js';
import type { RudpTimers } from './rudp-timers.js';
import type { SentPacketTracker } from './sent-packet-tracker.js';

/**
 * Assembles {@link RudpConnectionStats} from the parts of a connection, each of which keeps its own
 * counters. Not on the hot path: called by metrics scrapes and games adapting their send rate.
 */
export function collectRudpStats(
  state: RudpState,
  now: number,
  table: RudpChannelTable,
  tracker: SentPacketTracker,
  out: RudpPacketBuilder,
  inbound: RudpFrameHandler,
  timers: RudpTimers,
): RudpConnectionStats {
  const rtt = tracker.rtt;
  const cc = tracker.cc;
  const reliable = table.reliable;
  return {
    state,
    packetsSent: out.packetsSent,
    packetsReceived: inbound.packetsReceived,
    bytesSent: out.bytesSent,
    bytesReceived: inbound.bytesReceived,
    ackOnlyPacketsSent: out.ackOnlySent,
    reliableBytesSent: out.scheduler.reliableBytesSent,
    retransmittedBytes: out.scheduler.retransmittedBytes,
    unreliableSent: out.scheduler.unreliableSent,
    unreliableExpired: timers.unreliableExpired,
    packetsLost: tracker.packetsLost,
    spuriousLosses: tracker.spuriousLosses,
    ptoCount: tracker.ptoFired,
    lossRate: out.packetsSent === 0 ? 0 : tracker.packetsLost / out.packetsSent,
    srttMs: rtt.smoothedRtt,
    rttVarMs: rtt.rttVar,
    minRttMs: Number.isFinite(rtt.minRtt) ? rtt.minRtt : 0,
    latestRttMs: rtt.latestRtt,
    cwnd: cc.cwnd,
    bytesInFlight: cc.bytesInFlight,
    pacingRate: cc.pacingRate(rtt.smoothedRtt),
    queueDelayMs: table.queueDelay(now),
    backlogBytes: reliable.backlogBytes,
    backlogMessages: reliable.backlogMessages,
    receiveBufferedBytes: table.receiveBufferedBytes(),
    inboxLength: inbound.inboxLength,
    droppedReplay: inbound.droppedReplay,
    droppedAuth: inbound.droppedAuth,
    droppedRate: inbound.droppedRate,
    droppedOther: inbound.droppedOther,
    cwndBlocked: out.cwndBlocked,
    pacerBlocked: out.pacerBlocked,
  };
}
