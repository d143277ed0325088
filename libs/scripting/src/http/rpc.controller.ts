import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { KaosError, type Caller } from '@kaosnet/common';
import { ErrorResponseDto, type RequestWithCaller } from '@kaosnet/accounts';
import { RpcRegistry } from '../rpc/rpc.registry.js';
import { RpcAuthGuard } from './rpc-auth.guard.js';

/** REST adapter of RPCs: shapes only; the dispatch (hooks, Lua or TypeScript) is RpcRegistry.call. */
@ApiTags('rpc')
@Controller('api/rpc')
export class RpcController {
  constructor(private readonly rpcs: RpcRegistry) {}

  @Post(':id')
  @HttpCode(200)
  @UseGuards(RpcAuthGuard)
  @ApiBearerAuth()
  @ApiQuery({ name: 'http_key', required: false, description: 'Server-to-server: KAOS_HTTP_KEY instead of a bearer token (runs as the server).' })
  @ApiOperation({ summary: 'Call an RPC (Lua or TypeScript). The JSON body is the payload; the answer is {payload?: string}.' })
  @ApiBody({ required: false, schema: { type: 'object', additionalProperties: true } })
  @ApiOkResponse({ schema: { type: 'object', properties: { payload: { type: 'string' } } } })
  @ApiResponse({ status: 400, type: ErrorResponseDto, description: 'BAD_REQUEST: bad id, or the script/hook refused the input with that code' })
  @ApiResponse({ status: 401, type: ErrorResponseDto, description: 'UNAUTHORIZED: no valid bearer token or http_key' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'NOT_FOUND: no RPC with this id (or a script raised NOT_FOUND)' })
  @ApiResponse({ status: 413, type: ErrorResponseDto, description: 'TOO_LARGE: payload or answer over 65,535 bytes' })
  @ApiResponse({ status: 500, type: ErrorResponseDto, description: 'INTERNAL: the script failed (details in the server log and GET /admin/runtime)' })
  async call(@Param('id') id: string, @Body() body: unknown, @Req() req: RequestWithCaller): Promise<{ payload?: string }> {
    const caller = req.kaosCaller as Caller | undefined;
    if (!caller) throw KaosError.unauthorized();
    const payload = body === undefined || (typeof body === 'object' && body !== null && Object.keys(body).length === 0 && !Array.isArray(body)) ? undefined : JSON.stringify(body);
    const user = caller.kind === 'user' ? caller : undefined;
    const out = await this.rpcs.call({ caller, userId: user?.userId, username: user?.username, sessionId: user?.sessionId, vars: user?.vars }, id, payload);
    return out === undefined ? {} : { payload: out };
  }
}
