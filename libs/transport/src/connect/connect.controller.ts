import { Controller, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { Caller } from '@kaosnet/common';
import { ApiErrors, CurrentCaller, UserAuthGuard } from '@kaosnet/accounts';
import { ConnectTokens, type ConnectInfo } from './connect-tokens.js';

export class ConnectInfoDto implements ConnectInfo {
  @ApiProperty({ description: 'base64url connect token (302 bytes), opaque to clients; single use over WebSocket' })
  connectToken: string;
  @ApiProperty({ description: 'base64url of key_c2s (32 bytes), for the RUDP handshake' })
  clientToServerKey: string;
  @ApiProperty({ description: 'base64url of key_s2c (32 bytes), for the RUDP handshake' })
  serverToClientKey: string;
  @ApiProperty({ description: 'Token expiry, epoch milliseconds', example: 1767225660000 })
  expiresAt: number;
  @ApiProperty({ description: 'The REST session this realtime session belongs to' })
  sessionId: string;
  @ApiProperty({ description: 'protocol_id as a decimal string (u64)', example: '5422007011713007617' })
  protocolId: string;
  @ApiProperty({ type: [String], example: ['127.0.0.1:7350'], description: 'UDP endpoints (host:port, IPv6 in brackets)' })
  udp: string[];
  @ApiProperty({ example: 'ws://127.0.0.1:7350/ws', description: 'WebSocket URL (subprotocol kaostalk.v1)' })
  ws: string;
}

@ApiTags('session')
@Controller('api/session')
export class ConnectController {
  constructor(private readonly connectTokens: ConnectTokens) {}

  @Post('connect')
  @HttpCode(200)
  @UseGuards(UserAuthGuard)
  @ApiBearerAuth('bearer')
  @ApiOperation({ summary: 'Issue a connect token for a realtime KaosTalk session (UDP or WebSocket)' })
  @ApiOkResponse({ type: ConnectInfoDto })
  @ApiErrors(401, 503)
  connect(@CurrentCaller() caller: Caller, @Req() req: Request): ConnectInfo {
    if (caller.kind !== 'user' || !caller.sessionId) throw new Error('UserAuthGuard must attach a user caller');
    const host = req.headers.host ?? `127.0.0.1:${req.socket.localPort}`;
    const scheme = req.protocol === 'https' ? 'wss' : 'ws';
    return this.connectTokens.issue(
      { userId: caller.userId, sessionId: caller.sessionId, username: caller.username, vars: caller.vars },
      `${scheme}://${host}${this.connectTokens.wsPath}`,
    );
  }
}
