import { Injectable, Module } from '@nestjs/common';
import { KaosRpc, type RpcContext } from '@kaosnet/scripting';

/** RPC `echo`: answers its payload unchanged (through the one RPC dispatch shared with Lua). */
@Injectable()
class PlainEchoRpc {
  @KaosRpc('echo')
  echo(_ctx: RpcContext, payload?: string): string {
    return payload ?? '';
  }
}

/** Test game module for transport suites that need one cheap control-op round trip. */
@Module({ providers: [PlainEchoRpc] })
export class EchoRpcModule {}
