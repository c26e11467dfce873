import 'reflect-metadata';
import { loadConfigOrExit } from '@tsunagi/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createApiApp(config);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  process.stdout.write(`tsunagi api listening on http://localhost:${config.port} (docs: http://localhost:${config.port}/api/docs)\n`);
}

main().catch((error) => {
  process.stderr.write(`tsunagi api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
