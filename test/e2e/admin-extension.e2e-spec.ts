import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Module, UseGuards } from '@nestjs/common';
import type { Caller } from '@kaosnet/common';
import { AdminAccess, AdminAuthGuard, AdminCaller, AdminModule, AdminScope, CurrentAdmin, type AdminPrincipal } from '@kaosnet/admin';
import { startTestServer, TEST_ADMIN, type TestServer } from '../support/test-server.js';

/** What a later feature lib (rooms) does: its own admin controller behind the exported guard. */
@Controller('admin/rooms-probe')
class RoomsProbeController {
  @Get()
  @AdminAccess({ role: 'viewer', scope: AdminScope.ROOMS_READ })
  whoAmI(@AdminCaller() caller: Caller, @CurrentAdmin() principal: AdminPrincipal): { caller: Caller; kind: string } {
    return { caller, kind: principal.kind };
  }

  /** A route that forgot its access rule: the guard must refuse it, not let everyone in. */
  @Get('forgotten')
  @UseGuards(AdminAuthGuard)
  forgotten(): { ok: true } {
    return { ok: true };
  }
}

@Module({ imports: [AdminModule], controllers: [RoomsProbeController] })
class RoomsProbeModule {}

describe('admin guard used by another lib', () => {
  let s: TestServer;
  let adminToken: string;
  const get = async (path: string, token: string) => {
    const res = await fetch(`${s.consoleUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { id?: string; code?: string } & Record<string, unknown> };
  };

  beforeAll(async () => {
    s = await startTestServer({ modules: [RoomsProbeModule] });
    const res = await fetch(`${s.consoleUrl}/admin/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(TEST_ADMIN) });
    adminToken = ((await res.json()) as { token: string }).token;
  });
  afterAll(async () => {
    await s.close();
  });

  it('hands the route a system Caller from the admin origin naming the console user', async () => {
    const me = await get('/admin/me', adminToken);
    const r = await get('/admin/rooms-probe', adminToken);
    expect(r).toEqual({ status: 200, body: { kind: 'console-user', caller: { kind: 'system', origin: 'admin', actor: `console-user:${me.body.id}` } } });
  });

  it('lets an API key in by the new scope and names the key as actor', async () => {
    const created = await fetch(`${s.consoleUrl}/admin/api-keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: 'rooms-bot', scopes: ['rooms:read'] }),
    });
    const key = (await created.json()) as { id: string; key: string };
    expect(await get('/admin/rooms-probe', key.key)).toEqual({ status: 200, body: { kind: 'api-key', caller: { kind: 'system', origin: 'admin', actor: `api-key:${key.id}` } } });
  });

  it('refuses a guarded route that declares no access rule, even to an admin', async () => {
    const r = await get('/admin/rooms-probe/forgotten', adminToken);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('FORBIDDEN');
  });
});
