import type { ChildProcess } from 'node:child_process';
import { constants as osConstants } from 'node:os';

/**
 * Keeps the servers this library spawned from outliving the process.
 *
 * Callers (the launcher, Jest's global setup) handle SIGTERM/SIGINT themselves and call stop()
 * in the order they need (API first, database last). So on a signal we only act when nobody
 * else listens for it; and on 'exit' (reached without stop(), e.g. process.exit or a crash) we
 * signal whatever is still running, synchronously, since nothing async runs after 'exit'.
 */

interface Tracked {
  child: ChildProcess;
  exitSignal: NodeJS.Signals;
  stop: () => Promise<void>;
}

const tracked = new Set<Tracked>();
let installed = false;
const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export function isRunning(child: ChildProcess | undefined): boolean {
  return !!child && child.exitCode === null && child.signalCode === null;
}

/** Registers a spawned server; returns the function that unregisters it. */
export function track(child: ChildProcess, exitSignal: NodeJS.Signals, stop: () => Promise<void>): () => void {
  install();
  const entry: Tracked = { child, exitSignal, stop };
  tracked.add(entry);
  return () => {
    tracked.delete(entry);
  };
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', () => {
    for (const { child, exitSignal } of tracked) {
      if (isRunning(child)) child.kill(exitSignal);
    }
  });
  for (const signal of SIGNALS) {
    // Prepended so that we see the caller's `once` listeners before they remove themselves.
    process.prependListener(signal, () => {
      if (process.listenerCount(signal) > 1) return; // the caller handles it and will call stop()
      // Nobody else listens: do what the default action would, minus the orphaned servers.
      const code = 128 + (osConstants.signals[signal] ?? 0);
      const deadline = setTimeout(() => process.exit(code), 15_000);
      deadline.unref();
      void Promise.allSettled([...tracked].map((t) => t.stop())).then(() => process.exit(code));
    });
  }
}

/** Sends `signal`, escalating to SIGKILL after `graceMs`; resolves once the child has exited. */
export async function terminate(child: ChildProcess | undefined, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!child || !isRunning(child)) return;
  await new Promise<void>((resolve) => {
    const escalate = setTimeout(() => {
      if (isRunning(child)) child.kill('SIGKILL');
    }, graceMs);
    child.once('exit', () => {
      clearTimeout(escalate);
      resolve();
    });
    child.kill(signal);
  });
}

/** Keeps the last lines of a child's output, for error messages. */
export class LineBuffer {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(
    private readonly sink: ((line: string) => void) | undefined,
    private readonly keep = 40,
  ) {}

  push(chunk: string | Buffer): void {
    const text = this.partial + chunk.toString();
    const parts = text.split(/\r?\n/);
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  flush(): void {
    if (this.partial) this.add(this.partial);
    this.partial = '';
  }

  text(): string {
    return this.lines.join('\n');
  }

  private add(line: string): void {
    if (!line.trim()) return;
    this.lines.push(line);
    if (this.lines.length > this.keep) this.lines.shift();
    this.sink?.(line);
  }
}
