import { Module } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Clock, KAOS_CONFIG, type KaosConfig } from '@kaosnet/common';
import { AccountsModule } from '@kaosnet/accounts';
import { AccountsSessionAuthority } from '../connect/accounts-session-authority.js';
import { ConnectController } from '../connect/connect.controller.js';
import { ConnectTokens, deriveTokenKey } from '../connect/connect-tokens.js';
import { defaultTransportOptions, type TransportOptions } from '../transport.options.js';
import { TRANSPORT_OPTIONS } from '../transport.tokens.js';
import { KaosTalkGateway } from './kaostalk.gateway.js';
import { UdpEndpoint } from '../udp/udp-endpoint.js';
import type { RudpLimits } from '../rudp/rudp.options.js';

/** KaosConfig → TransportOptions: spec defaults, overridden by the server config and `config.transport`. */
export function transportOptionsFrom(config: KaosConfig): TransportOptions {
  if (!config.jwtSecret) throw new Error('KaosConfig.jwtSecret must be resolved before the transport starts');
  const overrides = (config.transport ?? {}) as Partial<TransportOptions>;
  return defaultTransportOptions({
    tokenKeys: { current: { id: 1, key: deriveTokenKey(config.jwtSecret, 1) } },
    udp: { enabled: true, host: config.bind.host, port: config.bind.port },
    maxSessions: config.maxSessions,
    // KAOS_HEARTBEAT_TIMEOUT_SECS is the session liveness timeout on both transports.
    idleTimeoutMs: config.heartbeatTimeoutSecs * 1000,
    ...overrides,
  });
}

/**
 * Realtime sessions over KaosTalk. Provides the gateway that KaosTalkServer (the Nest transport
 * strategy) starts, and `POST /api/session/connect`.
 */
@Module({
  imports: [AccountsModule],
  controllers: [ConnectController],
  providers: [
    { provide: TRANSPORT_OPTIONS, inject: [KAOS_CONFIG], useFactory: transportOptionsFrom },
    {
      provide: ConnectTokens,
      inject: [TRANSPORT_OPTIONS, Clock],
      useFactory: (options: TransportOptions, clock: Clock) => new ConnectTokens(options, clock, options.maxSessions),
    },
    AccountsSessionAuthority,
    {
      provide: KaosTalkGateway,
      inject: [TRANSPORT_OPTIONS, Clock, AccountsSessionAuthority, ConnectTokens, HttpAdapterHost],
      useFactory: (options: TransportOptions, clock: Clock, authority: AccountsSessionAuthority, tokens: ConnectTokens, host: HttpAdapterHost) => {
        const gateway = new KaosTalkGateway(options, clock, authority, tokens);
        if (options.udp.enabled) {
          gateway.udp = new UdpEndpoint(options, gateway.registry, gateway.dispatcher, gateway.starter, tokens, clock, (options.rudp ?? {}) as Partial<RudpLimits>);
          gateway.addEndpoint(gateway.udp);
        }
        const httpServer = () => host.httpAdapter.getHttpServer() as HttpServer;
        gateway.useHttpServer(httpServer);
        gateway.onStarted(() => {
          // Tokens must list an endpoint; with UDP off (or not yet bound) list the HTTP listener's.
          if (tokens.udpEndpoints.length > 0) return;
          const listed = options.publicUdpEndpoints.map(parseEndpoint);
          if (listed.length) return tokens.setUdpEndpoints(listed);
          const addr = httpServer().address() as AddressInfo | null;
          tokens.setUdpEndpoints([{ ip: publicIp(addr?.address ?? '127.0.0.1'), port: addr?.port ?? options.udp.port }]);
        });
        return gateway;
      },
    },
  ],
  exports: [KaosTalkGateway, ConnectTokens, TRANSPORT_OPTIONS],
})
export class TransportModule {}

/** A wildcard bind address is not dialable: tokens list loopback unless public endpoints are configured. */
export function publicIp(bound: string): string {
  return bound === '0.0.0.0' || bound === '::' ? '127.0.0.1' : bound;
}

export function parseEndpoint(text: string): { ip: string; port: number } {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (!m) throw new Error(`public endpoint "${text}" is not host:port`);
  return { ip: m[1]!, port: Number(m[2]) };
}
