import type { ConnectInfo, RudpLimits } from '@kaosnet/transport';
import { KaosApiError } from './client-errors.js';
import { KaosSocket } from './kaos-socket.js';
import { WsSocketTransport } from './ws-transport.js';

/** What authenticate and refresh answer (the server's AuthSession). */
export interface KaosAuth {
  token: string;
  refreshToken: string;
  userId: string;
  username: string;
  /** Access token expiry, epoch ms. */
  expiresAt: number;
  created: boolean;
}

/** `POST /api/session/connect` answer (§4.1): the type the server's ConnectTokens produces. */
export type { ConnectInfo };

export interface KaosClientOptions {
  /** e.g. http://127.0.0.1:7350 */
  baseUrl: string;
  /** Sent as HTTP Basic username on authenticate/refresh calls (default "defaultkey"). */
  serverKey?: string;
  timeoutMs?: number;
}

export interface ConnectOptions {
  transport?: 'udp' | 'ws';
  client?: string;
  lang?: string;
  /** RUDP limits for this connection (UDP only), e.g. `{ maxInboundPacketsPerSec }` for a busy fan-out. */
  udpLimits?: Partial<RudpLimits>;
}

/**
 * The KaosNet client SDK: REST authentication and account calls, then `connect()` for a realtime
 * KaosTalk socket over UDP (Node) or WebSocket (Node and browsers).
 *
 * @example
 * const client = new KaosClient({ baseUrl: 'http://127.0.0.1:7350', serverKey: 'defaultkey' });
 * const auth = await client.authenticateDevice('my-device-id-0001');
 * const socket = await client.connect(auth, { transport: 'ws' });
 */
export class KaosClient {
  readonly #baseUrl: string;
  readonly #serverKey: string;
  readonly #timeoutMs: number;
  /** Extra transports (the UDP one) register here so this file does not import node:dgram. */
  static udpConnector?: (client: KaosClient, auth: KaosAuth, info: ConnectInfo, options: ConnectOptions) => Promise<KaosSocket>;

  constructor(options: KaosClientOptions) {
    this.#baseUrl = options.baseUrl.replace(/\/$/, '');
    this.#serverKey = options.serverKey ?? 'defaultkey';
    this.#timeoutMs = options.timeoutMs ?? 10_000;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  authenticateDevice(deviceId: string, opts: { create?: boolean; username?: string; vars?: Record<string, string> } = {}): Promise<KaosAuth> {
    return this.#post('/api/auth/device', { deviceId, ...opts }, this.#basic());
  }

  authenticateEmail(email: string, password: string, opts: { create?: boolean; username?: string } = {}): Promise<KaosAuth> {
    return this.#post('/api/auth/email', { email, password, ...opts }, this.#basic());
  }

  authenticateCustom(id: string, opts: { create?: boolean; username?: string; vars?: Record<string, string> } = {}): Promise<KaosAuth> {
    return this.#post('/api/auth/custom', { id, ...opts }, this.#basic());
  }

  refresh(auth: Pick<KaosAuth, 'refreshToken'>): Promise<KaosAuth> {
    return this.#post('/api/auth/refresh', { refreshToken: auth.refreshToken }, this.#basic());
  }

  logout(auth: KaosAuth): Promise<unknown> {
    return this.#post('/api/auth/logout', { refreshToken: auth.refreshToken }, `Bearer ${auth.token}`);
  }

  getAccount(auth: KaosAuth): Promise<Record<string, unknown>> {
    return this.#call('GET', '/api/account', undefined, `Bearer ${auth.token}`);
  }

  updateAccount(auth: KaosAuth, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.#call('PUT', '/api/account', patch, `Bearer ${auth.token}`);
  }

  /** Asks the server for a connect token and the endpoints to dial (§4.1). */
  requestConnect(auth: KaosAuth): Promise<ConnectInfo> {
    return this.#post('/api/session/connect', {}, `Bearer ${auth.token}`);
  }

  /** Any authenticated REST call (e.g. storage, RPC) returning JSON. */
  call<T = Record<string, unknown>>(method: string, path: string, body: unknown, auth: KaosAuth): Promise<T> {
    return this.#call(method, path, body, `Bearer ${auth.token}`);
  }

  /** Opens a realtime session: UDP by default in Node when the UDP transport is loaded, else WebSocket. */
  async connect(auth: KaosAuth, options: ConnectOptions = {}): Promise<KaosSocket> {
    const info = await this.requestConnect(auth);
    const transport = options.transport ?? (KaosClient.udpConnector ? 'udp' : 'ws');
    if (transport === 'udp') {
      if (!KaosClient.udpConnector) throw new Error("UDP transport not loaded: import '@kaosnet/client' in Node");
      return KaosClient.udpConnector(this, auth, info, options);
    }
    const ws = await WsSocketTransport.open(info.ws);
    const socket = new KaosSocket(ws);
    try {
      await socket.start(info.connectToken, { client: options.client, lang: options.lang });
    } catch (error) {
      socket.close();
      throw error;
    }
    return socket;
  }

  #basic(): string {
    return `Basic ${Buffer.from(`${this.#serverKey}:`).toString('base64')}`;
  }

  #post<T>(path: string, body: unknown, authorization: string): Promise<T> {
    return this.#call('POST', path, body, authorization);
  }

  async #call<T>(method: string, path: string, body: unknown, authorization: string): Promise<T> {
    const res = await fetch(`${this.#baseUrl}${path}`, {
      method,
      headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(this.#timeoutMs),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : {};
    if (!res.ok) throw new KaosApiError(json.code ?? 'INTERNAL', json.message ?? res.statusText, res.status, json.retryAfterMs);
    return json as T;
  }
}
