/** An account as every surface shows it (REST, admin, Lua). Times are epoch milliseconds. */
export interface AccountView {
  id: string;
  username: string;
  displayName: string | null;
  avatarUrl: string | null;
  lang: string;
  location: string | null;
  timezone: string | null;
  metadata: Record<string, unknown>;
  email?: string;
  devices: string[];
  customId?: string;
  bannedAt?: number;
  createdAt: number;
  updatedAt: number;
}

export interface AuthenticateDeviceInput {
  deviceId: string;
  /** Create the account when the id is new (default true, as in Nakama). */
  create?: boolean;
  /** Username for a new account; generated when absent; ignored for an existing account. */
  username?: string;
  /** Session variables, copied into the access tokens of this session. */
  vars?: Record<string, string>;
}

export interface AuthenticateEmailInput {
  email: string;
  password: string;
  create?: boolean;
  username?: string;
  vars?: Record<string, string>;
}

export interface AuthenticateCustomInput {
  id: string;
  create?: boolean;
  username?: string;
  vars?: Record<string, string>;
}

/** Fields of PUT /api/account. Absent = unchanged; `null` clears an optional text field. */
export interface AccountUpdate {
  username?: string;
  displayName?: string | null;
  avatarUrl?: string | null;
  lang?: string;
  location?: string | null;
  timezone?: string | null;
  metadata?: Record<string, unknown>;
}

export interface AccountListQuery {
  limit?: number;
  cursor?: string;
  search?: string;
}

export interface AccountList {
  accounts: AccountView[];
  /** Present when another page may follow. */
  cursor?: string;
}
