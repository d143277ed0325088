import 'reflect-metadata';
import { ConfigError } from '@kaosnet/common';
import { ServerBuilder } from './server-builder.js';
import { runMigrations } from './persistence/migrate.js';

async function main(): Promise<void> {
  const builder = ServerBuilder.fromEnv();
  if (process.argv[2] === 'migrate') {
    await runMigrations(builder.build().config);
    return;
  }
  await builder.build().run();
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`KaosNet cannot start: ${error.message}\n`);
  } else {
    process.stderr.write(`KaosNet failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  }
  process.exit(1);
});
