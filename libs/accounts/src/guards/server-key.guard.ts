import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { KAOS_CONFIG, sha256Hex, type KaosConfig } from '@kaosnet/common';
import { AccountsErrors } from '../accounts.errors.js';

/**
 * Authenticate and refresh calls carry the server key as HTTP Basic auth, username = server key
 * (the password part is ignored and normally empty), as Nakama clients send it. Anything else is
 * UNAUTHORIZED (reason INVALID_SERVER_KEY).
 */
@Injectable()
export class ServerKeyGuard implements CanActivate {
  readonly #expected: Buffer;

  constructor(@Inject(KAOS_CONFIG) config: KaosConfig) {
    this.#expected = Buffer.from(sha256Hex(config.serverKey), 'hex');
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<Request>().headers.authorization;
    if (!this.matches(header)) throw AccountsErrors.invalidServerKey();
    return true;
  }

  /** True when an Authorization header value carries the server key. */
  matches(header: string | undefined): boolean {
    if (typeof header !== 'string' || header.length > 1024) return false;
    const m = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    if (!m) return false;
    const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const key = colon === -1 ? decoded : decoded.slice(0, colon);
    // Compare digests so the comparison is constant-time whatever the lengths.
    return timingSafeEqual(Buffer.from(sha256Hex(key), 'hex'), this.#expected);
  }
}
