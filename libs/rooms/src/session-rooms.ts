const MAX_REF = 0xffff;

/**
 * The rooms of one session, by room reference (§2.4): u16 1–65,535, unique among the session's
 * current rooms and not handed out again within `reuseMs` of its release. Kept in
 * `KaosSession.roomState`.
 */
export class SessionRooms<M> {
  readonly byRef = new Map<number, M>();
  readonly #releasedAt = new Map<number, number>();
  #next = 1;

  constructor(private readonly reuseMs: number) {}

  get size(): number {
    return this.byRef.size;
  }

  /** Binds the member `make(ref)` builds to a fresh ref; undefined when every ref is taken or cooling down. */
  allocate(now: number, make: (ref: number) => M): M | undefined {
    for (let tries = 0; tries < MAX_REF; tries++) {
      const ref = this.#next;
      this.#next = ref === MAX_REF ? 1 : ref + 1;
      if (this.byRef.has(ref)) continue;
      const released = this.#releasedAt.get(ref);
      if (released !== undefined) {
        if (now - released < this.reuseMs) continue;
        this.#releasedAt.delete(ref);
      }
      const member = make(ref);
      this.byRef.set(ref, member);
      return member;
    }
    return undefined;
  }

  release(ref: number, now: number): M | undefined {
    const member = this.byRef.get(ref);
    if (member === undefined) return undefined;
    this.byRef.delete(ref);
    this.#releasedAt.set(ref, now);
    this.#prune(now);
    return member;
  }

  /** Forget cooled-down refs so the map stays bounded by the release rate × reuseMs. */
  #prune(now: number): void {
    if (this.#releasedAt.size < 64) return;
    for (const [ref, at] of this.#releasedAt) if (now - at >= this.reuseMs) this.#releasedAt.delete(ref);
  }
}
