import type { KaosSocket, RoomDataEvent } from '@kaosnet/client';
import { newPlayer } from '../support/kaos-test-client.js';
import type { TestServer } from '../support/test-server.js';

export type Transport = 'udp' | 'ws';

/** Every event of a socket, recorded from the moment it connects, so a test can wait or assert absence. */
export interface Recorded {
  socket: KaosSocket;
  userId: string;
  data: RoomDataEvent[];
  states: Record<string, unknown>[];
  leaves: Record<string, unknown>[];
}

export async function player(s: TestServer, transport: Transport, name = 'p'): Promise<Recorded> {
  const { client, auth } = await newPlayer(s, name);
  const socket = await client.connect(auth, { transport });
  const r: Recorded = { socket, userId: auth.userId, data: [], states: [], leaves: [] };
  socket.on('roomData', (e) => r.data.push(e));
  socket.on('roomState', (e) => r.states.push(e));
  socket.on('roomLeave', (e) => r.leaves.push(e));
  return r;
}

/** Polls until `pred()` holds (bounded), returning its truthy value. */
export async function until<T>(pred: () => T | undefined | false | null, ms = 3000, what = 'condition'): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = pred();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n, 0);
  return b;
}
