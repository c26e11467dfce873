import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadConfigOrExit } from '@tsunagi/config';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.apiProcesses > 1 && cluster.isPrimary) return supervise(config.apiProcesses);
  const app = await createApiApp(config);
  await app.listen({ port: config.port, host: '0.0.0.0' });
  const which = cluster.isWorker ? ` (process ${cluster.worker?.id} of ${config.apiProcesses})` : '';
  process.stdout.write(`tsunagi api listening on http://localhost:${config.port}${which} (docs: http://localhost:${config.port}/api/docs)\n`);
}

/**
 * API_PROCESSES > 1: this process only keeps that many api processes on the one port
 * (node:cluster hands them the connections). One Node process runs its requests on one
 * core, and each request's round trips to PostgreSQL leave it waiting in between; on a
 * machine it shares with PostgreSQL, two of them keep both busy. A process that dies is
 * replaced, unless it died before it listened (it cannot start: the api exits with 1, as
 * one process would, instead of starting it again and again). SIGTERM and SIGINT go to
 * every process, which finish their requests and stop.
 */
function supervise(count: number): void {
  let stopping = false;
  let exitCode = 0;
  const started = new Set<number>();
  const listening = new Set<number>();
  const fork = () => started.add(cluster.fork().id);
  cluster.on('listening', (child) => listening.add(child.id));
  cluster.on('exit', (child, code, signal) => {
    const hadListened = listening.delete(child.id);
    started.delete(child.id);
    if (stopping) {
      if (started.size === 0) process.exit(exitCode);
      return;
    }
    if (!hadListened) {
      process.stderr.write(`tsunagi api process ${child.process.pid} failed to start (${signal ?? code}); stopping\n`);
      stopping = true;
      exitCode = 1;
      for (const other of Object.values(cluster.workers ?? {})) other?.process.kill('SIGTERM');
      if (started.size === 0) process.exit(exitCode);
      return;
    }
    process.stderr.write(`tsunagi api process ${child.process.pid} exited (${signal ?? code}); starting another\n`);
    fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    stopping = true;
    for (const child of Object.values(cluster.workers ?? {})) child?.process.kill(signal);
    if (started.size === 0) process.exit(exitCode);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < count; i++) fork();
}

main().catch((error) => {
  process.stderr.write(`tsunagi api failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
