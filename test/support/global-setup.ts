import pg from 'pg';

/**
 * Probes the test PostgreSQL once per run. With CI=true the PostgreSQL lane is mandatory and a
 * missing server fails the run; locally it is skipped with a loud notice.
 */
export default async function globalSetup(): Promise<void> {
  const url = process.env.KAOS_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    process.env.KAOS_TEST_PG_AVAILABLE = '1';
  } catch (error) {
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL is required when CI=true but ${url} did not answer: ${(error as Error).message}`);
    }
    process.env.KAOS_TEST_PG_AVAILABLE = '0';
    const bar = '!'.repeat(78);
    process.stderr.write(`\n${bar}\n!! PostgreSQL at ${url} is not reachable: the PostgreSQL lane is SKIPPED.\n!! Only SQLite is tested in this run. CI (CI=true) requires PostgreSQL.\n${bar}\n\n`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
