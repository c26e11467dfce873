import 'reflect-metadata';
import { loadConfigOrExit } from '@tsunagi/config';
import { createWorkerApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const app = await createWorkerApp(config);
  await app.listen({ port: config.workerPort, host: '0.0.0.0' });
  process.stdout.write(`tsunagi worker running (health: http://localhost:${config.workerPort}/health/ready)\n`);
}

main().catch((error) => {
  process.stderr.write(`tsunagi worker failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
