import { PATH_DATA_SIZE } from './rudp.constants.js';

/** A UDP peer address as the endpoint reports it. */
export interface RudpPeerAddress {
  readonly address: string;
  readonly port: number;
}

export function sameAddress(a: RudpPeerAddress | undefined, b: RudpPeerAddress | undefined): boolean {
  return a !== undefined && b !== undefined && a.address === b.address && a.port === b.port;
}

/** Result of {@link PathValidator.onPacket}. */
export const PathEvent = {
  NONE: 0,
  /** Moved to a new port on the same IP. */
  MIGRATED: 1,
  /** Moved to a new IP: RTT and congestion state restart (§3.10, RFC 9000 §9.4). */
  MIGRATED_NEW_IP: 2,
} as const;
export type PathEvent = (typeof PathEvent)[keyof typeof PathEvent];

/**
 * Server-side path migration (§3.10): an authenticated packet with a higher pn from a new address
 * moves the send path there unvalidated; PATH_CHALLENGE is sent at once and every PTO; until the
 * matching PATH_RESPONSE arrives from that address at most 3 × the bytes received from it may be
 * sent to it; without validation within 3 × PTO the path reverts.
 */
export class PathValidator {
  current: RudpPeerAddress | undefined;
  #previous: RudpPeerAddress | undefined;
  #validated = true;
  readonly challenge = Buffer.alloc(PATH_DATA_SIZE);
  #challengeDue = false;
  #nextChallengeAt = Number.POSITIVE_INFINITY;
  #revertAt = Number.POSITIVE_INFINITY;
  #received = 0;
  #sent = 0;
  migrations = 0;
  reverts = 0;

  constructor(initial: RudpPeerAddress | undefined) {
    this.current = initial;
  }

  get validated(): boolean {
    return this.#validated;
  }

  /**
   * Called for every authenticated packet (receive step 7). `isNewer` = pn above the previous largest.
   * `fill` writes fresh random bytes for a challenge.
   */
  onPacket(
    from: RudpPeerAddress | undefined,
    isNewer: boolean,
    size: number,
    now: number,
    pto: number,
    fill: (buf: Buffer) => void,
  ): PathEvent {
    if (from === undefined || this.current === undefined) {
      if (this.current === undefined) {
        this.current = from;
      }
      return PathEvent.NONE;
    }
    if (sameAddress(from, this.current)) {
      if (!this.#validated) {
        this.#received += size;
      }
      return PathEvent.NONE;
    }
    if (!isNewer) {
      return PathEvent.NONE;
    }
    const old = this.current;
    this.migrations++;
    if (!this.#validated && sameAddress(from, this.#previous)) {
      // Back to the last validated path: nothing to validate.
      this.current = from;
      this.#validated = true;
      this.#challengeDue = false;
      this.#nextChallengeAt = Number.POSITIVE_INFINITY;
      this.#revertAt = Number.POSITIVE_INFINITY;
      return old.address === from.address ? PathEvent.MIGRATED : PathEvent.MIGRATED_NEW_IP;
    }
    if (this.#validated) {
      this.#previous = old;
    }
    this.current = from;
    this.#validated = false;
    this.#received = size;
    this.#sent = 0;
    fill(this.challenge);
    this.#challengeDue = true;
    this.#nextChallengeAt = now + pto;
    this.#revertAt = now + 3 * pto;
    return old.address === from.address ? PathEvent.MIGRATED : PathEvent.MIGRATED_NEW_IP;
  }

  /** PATH_RESPONSE received: validates the path if the data matches and it came from the new address. */
  onResponse(from: RudpPeerAddress | undefined, data: Buffer): boolean {
    if (this.#validated || !this.challenge.equals(data) || (from !== undefined && !sameAddress(from, this.current))) {
      return false;
    }
    this.#validated = true;
    this.#challengeDue = false;
    this.#nextChallengeAt = Number.POSITIVE_INFINITY;
    this.#revertAt = Number.POSITIVE_INFINITY;
    return true;
  }

  /** Timers: re-arm the challenge every PTO, revert after 3 × PTO. Returns true when it reverted. */
  onTimer(now: number, pto: number): boolean {
    if (this.#validated) {
      return false;
    }
    if (now >= this.#revertAt) {
      this.current = this.#previous;
      this.#validated = true;
      this.#challengeDue = false;
      this.#nextChallengeAt = Number.POSITIVE_INFINITY;
      this.#revertAt = Number.POSITIVE_INFINITY;
      this.reverts++;
      return true;
    }
    if (now >= this.#nextChallengeAt) {
      this.#challengeDue = true;
      this.#nextChallengeAt = now + pto;
    }
    return false;
  }

  timer(): number {
    return this.#validated ? Number.POSITIVE_INFINITY : Math.min(this.#nextChallengeAt, this.#revertAt);
  }

  get challengeDue(): boolean {
    return this.#challengeDue;
  }

  onChallengeSent(): void {
    this.#challengeDue = false;
  }

  /** Bytes that may still be sent on the path (amplification limit, ∞ when validated). */
  sendAllowance(): number {
    return this.#validated ? Number.POSITIVE_INFINITY : Math.max(0, 3 * this.#received - this.#sent);
  }

  onSent(bytes: number): void {
    if (!this.#validated) {
      this.#sent += bytes;
    }
  }
}
