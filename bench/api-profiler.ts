import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

/**
 * Preloaded into the api (`node --require dist/bench/api-profiler.js …`) by `npm run bench --
 * --profile`: samples the api's CPU between a `start` and a `stop` message from the benchmark
 * over the IPC channel (signals are no use here: Nest's shutdown hooks take SIGUSR2 too) and
 * writes each profile as a .cpuprofile file, readable by Chrome DevTools.
 */
const dir = process.env.BENCH_PROFILE_DIR;
if (dir && process.send) {
  mkdirSync(dir, { recursive: true });
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 500 });
  process.channel?.unref();
  process.on('message', (message: { profile?: 'start' | 'stop'; name?: string }) => {
    if (message.profile === 'start') {
      session.post('Profiler.start', () => process.send?.({ profiling: true }));
    } else if (message.profile === 'stop') {
      session.post('Profiler.stop', (error, result) => {
        const file = path.join(dir, `${message.name ?? 'api'}.cpuprofile`);
        if (!error) {
          writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
          renameSync(`${file}.tmp`, file);
        }
        process.send?.({ profiled: error ? null : file });
      });
    }
  });
}
