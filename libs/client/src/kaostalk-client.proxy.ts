import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { Lane } from '@kaosnet/transport';
import { KaosClient, type ConnectOptions, type KaosAuth } from './kaos-client.js';
import type { KaosSocket } from './kaos-socket.js';

export interface KaosTalkClientOptions {
  /** Client API of the other KaosNet server, e.g. http://game-2:7350 */
  baseUrl: string;
  serverKey?: string;
  /** How this app authenticates as a player of the other server. */
  identity: { deviceId: string } | { customId: string } | { auth: KaosAuth };
  transport?: ConnectOptions['transport'];
  timeoutMs?: number;
}

/**
 * KaosTalk as a Nest ClientProxy, so one Nest app can talk to another KaosNet server the Nest way.
 * `send(pattern, data)`: a numeric pattern is a control op (the reply body comes back); a string
 * pattern is an RPC id (`data` JSON-encoded as the payload, the reply payload JSON-decoded).
 * `emit(op, bytes)`: an application op (0x80–0xFE) with an opaque payload, no reply.
 *
 * @example
 * const game = new KaosTalkClient({ baseUrl: 'http://127.0.0.1:7350', identity: { customId: 'lobby-service' } });
 * const reply = await firstValueFrom(game.send('purchase_item', { item_id: 'sword' }));
 */
export class KaosTalkClient extends ClientProxy {
  #socket?: KaosSocket;
  #connecting?: Promise<KaosSocket>;

  constructor(private readonly options: KaosTalkClientOptions) {
    super();
  }

  connect(): Promise<KaosSocket> {
    if (this.#socket && !this.#socket.closed) return Promise.resolve(this.#socket);
    this.#connecting ??= this.#open().finally(() => (this.#connecting = undefined));
    return this.#connecting;
  }

  async close(): Promise<void> {
    const socket = this.#socket;
    this.#socket = undefined;
    if (socket && !socket.closed) await socket.disconnect();
  }

  unwrap<T>(): T {
    if (!this.#socket) throw new Error('KaosTalkClient is not connected');
    return this.#socket as T;
  }

  override on(): never {
    throw new Error('KaosTalkClient has no transport events; use unwrap<KaosSocket>().on(...)');
  }

  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    let disposed = false;
    void this.connect()
      .then(async (socket) => {
        const { pattern, data } = packet;
        const response =
          typeof pattern === 'number'
            ? await socket.request(pattern, (data ?? {}) as Record<string, unknown>, { timeoutMs: this.options.timeoutMs })
            : await socket.rpc(String(pattern), data === undefined ? undefined : JSON.stringify(data), { timeoutMs: this.options.timeoutMs }).then((p) => (p === undefined ? undefined : JSON.parse(p)));
        if (!disposed) callback({ response, isDisposed: true });
      })
      .catch((err: unknown) => {
        if (!disposed) callback({ err, isDisposed: true });
      });
    return () => {
      disposed = true;
    };
  }

  protected async dispatchEvent<T = undefined>(packet: ReadPacket): Promise<T> {
    const op = Number(packet.pattern);
    if (!Number.isInteger(op) || op < 0x80 || op > 0xfe) throw new RangeError('emit() takes an application op 0x80-0xFE');
    const socket = await this.connect();
    const data = packet.data as Uint8Array | string | undefined;
    socket.sendApp(op, typeof data === 'string' ? Buffer.from(data) : (data ?? Buffer.alloc(0)), Lane.RO);
    return undefined as T;
  }

  async #open(): Promise<KaosSocket> {
    const client = new KaosClient({ baseUrl: this.options.baseUrl, serverKey: this.options.serverKey, timeoutMs: this.options.timeoutMs });
    const id = this.options.identity;
    const auth = 'auth' in id ? id.auth : 'deviceId' in id ? await client.authenticateDevice(id.deviceId) : await client.authenticateCustom(id.customId);
    this.#socket = await client.connect(auth, { transport: this.options.transport });
    return this.#socket;
  }
}
