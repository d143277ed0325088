import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { testDialects } from '@kaosnet/database';
import { startTestServer, type TestServer } from '../support/test-server.js';

interface OpenApiDoc {
  info: { title: string };
  paths: Record<string, Record<string, { tags?: string[]; responses?: Record<string, unknown> }>>;
}

/** Operations missing a tag, a success response or a documented error response. */
function undocumented(doc: OpenApiDoc): string[] {
  const out: string[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const codes = Object.keys(op.responses ?? {});
      if (!op.tags?.length || !codes.some((c) => c.startsWith('2')) || !codes.some((c) => /^[45]/.test(c))) out.push(`${method.toUpperCase()} ${path}`);
    }
  }
  return out;
}

describe.each(testDialects())('server boot on %s', (dialect) => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ dialect });
  });
  afterAll(async () => {
    await s.close();
  });

  it('answers /healthcheck with 200 when the database is ready', async () => {
    const res = await fetch(`${s.clientUrl}/healthcheck`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('serves the client OpenAPI document on the client port and the admin one on the console port', async () => {
    const client = (await (await fetch(`${s.clientUrl}/docs-json`)).json()) as OpenApiDoc;
    const admin = (await (await fetch(`${s.consoleUrl}/docs-json`)).json()) as OpenApiDoc;
    expect(client.info.title).toBe('KaosNet client API');
    expect(admin.info.title).toBe('KaosNet admin API');
    expect(Object.keys(client.paths).some((p) => p.startsWith('/admin'))).toBe(false);
    expect((await fetch(`${s.clientUrl}/docs`)).status).toBe(200);
    expect((await fetch(`${s.consoleUrl}/docs`)).status).toBe(200);
  });

  it('documents every route of both APIs with a tag, its success response and its error responses', async () => {
    const client = (await (await fetch(`${s.clientUrl}/docs-json`)).json()) as OpenApiDoc;
    const admin = (await (await fetch(`${s.consoleUrl}/docs-json`)).json()) as OpenApiDoc;
    expect(Object.keys(client.paths).length).toBeGreaterThan(5);
    expect(Object.keys(admin.paths).length).toBeGreaterThan(5);
    expect(undocumented(client)).toEqual([]);
    expect(undocumented(admin)).toEqual([]);
  });

  it('never exposes admin routes on the client port, nor client routes on the console port', async () => {
    const a = await fetch(`${s.clientUrl}/admin/login`, { method: 'POST' });
    expect(a.status).toBe(404);
    expect(await a.json()).toEqual({ code: 'NOT_FOUND', message: 'Not found' });
    const b = await fetch(`${s.consoleUrl}/api/account`);
    expect(b.status).toBe(404);
  });

  it('answers unknown routes with the catalogue shape', async () => {
    const res = await fetch(`${s.clientUrl}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ code: 'NOT_FOUND', message: 'Not found' });
  });
});
