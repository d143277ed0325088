import { createHash } from 'node:crypto';

/** SHA-256 hex of a high-entropy secret (refresh tokens, API keys): stored instead of the secret. */
export function sha256Hex(value: string | Buffer): string {
  return createHash('sha256').update(value).digest('hex');
}
