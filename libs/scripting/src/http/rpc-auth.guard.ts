import { timingSafeEqual } from 'node:crypto';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { KAOS_CONFIG, KaosError, type KaosConfig } from '@kaosnet/common';
import { UserAuthGuard, type RequestWithCaller } from '@kaosnet/accounts';

/**
 * `POST /api/rpc/:id` accepts a player bearer token, or `?http_key=` with KAOS_HTTP_KEY for
 * server-to-server calls (the caller is then the system, origin `server`).
 */
@Injectable()
export class RpcAuthGuard implements CanActivate {
  constructor(
    @Inject(KAOS_CONFIG) private readonly config: KaosConfig,
    private readonly users: UserAuthGuard,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<RequestWithCaller>();
    const key = req.query?.['http_key'];
    if (key !== undefined) {
      const given = Buffer.from(typeof key === 'string' ? key : '');
      const expected = Buffer.from(this.config.httpKey);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw KaosError.unauthorized('Invalid http_key');
      req.kaosCaller = { kind: 'system', origin: 'server', actor: 'http-key' };
      return true;
    }
    return this.users.canActivate(context);
  }
}
