/** Handshake sizes, defaults, DENIED reasons and drop reasons (spec §3.1, §4, §7.2, §8). */

export const HELLO_SIZE = 1_200;
export const CHALLENGE_SIZE = 73;
export const RESPONSE_SIZE = 1_200;
export const DENIED_SIZE = 34;
export const CONNECT_TOKEN_SIZE = 302;
export const CLIENT_NONCE_SIZE = 16;
export const SERVER_NONCE_SIZE = 16;

export const HandshakeDefaults = {
  handshakeResendMs: 200,
  handshakeTimeoutMs: 5_000,
  cookieLifetimeMs: 5_000,
  cookieSecretRotateMs: 60_000,
  tokenClockSkewMs: 2_000,
  tokenLifetimeMs: 60_000,
  maxTokenLifetimeMs: 300_000,
  maxHandshakesPerSec: 20_000,
  perIpHandshakesPerSec: 10,
  perIpHandshakeBurst: 20,
  maxTrackedIps: 65_536,
  maxConnectionsPerIp: 32,
  tokenUseTableFactor: 8,
  welcomeResendMinMs: 100,
  rememberedClientNonces: 8,
} as const;

/** DENIED reason byte (§4.3). */
export const DeniedReason = {
  SERVER_FULL: 1,
  FORBIDDEN: 2,
  ADDRESS_LIMIT: 3,
  UNAVAILABLE: 4,
} as const;
export type DeniedReason = (typeof DeniedReason)[keyof typeof DeniedReason];

/** Why a handshake datagram was dropped; each is counted (§4.2 "drop, counted by reason"). */
export const HandshakeDropReason = {
  SIZE: 'size',
  TYPE: 'type',
  ADDRESS: 'address',
  PROTOCOL_ID: 'protocol-id',
  TOKEN_VERSION: 'token-version',
  TOKEN_KEY_ID: 'token-key-id',
  TOKEN_PROTOCOL_ID: 'token-protocol-id',
  TOKEN_EXPIRED: 'token-expired',
  RATE_IP: 'rate-ip',
  RATE_GLOBAL: 'rate-global',
  LIMITER_HOOK: 'limiter-hook',
  TOKEN_AEAD: 'token-aead',
  TOKEN_RESERVED: 'token-reserved',
  TOKEN_ADDR_COUNT: 'token-addr-count',
  TOKEN_TRANSPORT: 'token-transport',
  TOKEN_ENDPOINT: 'token-endpoint',
  TOKEN_REVOKED: 'token-revoked',
  HELLO_MAC: 'hello-mac',
  COOKIE_AGE: 'cookie-age',
  COOKIE_MAC: 'cookie-mac',
  RESUME_FIELDS: 'resume-fields',
  RESPONSE_MAC: 'response-mac',
  TOKEN_REUSED: 'token-reused',
  TOKEN_TABLE_FULL: 'token-table-full',
  WELCOME_THROTTLED: 'welcome-throttled',
} as const;
export type HandshakeDropReason = (typeof HandshakeDropReason)[keyof typeof HandshakeDropReason];

/** Connect-token `flags` bits (§4.2). */
export const TokenFlag = {
  UDP: 0x01,
  WS: 0x02,
} as const;
export type TokenFlag = (typeof TokenFlag)[keyof typeof TokenFlag];
export const TOKEN_FLAGS_KNOWN = TokenFlag.UDP | TokenFlag.WS;
