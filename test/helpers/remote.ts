/**
 * Remotes for sync tests: a bare repository with a code branch, clones of it, and a real git server
 * (`git daemon` on 127.0.0.1, started and stopped by the test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect } from 'node:net';
import { basename, dirname, join } from 'node:path';
import { ENV, git, makeRepo, tempDir } from './repo.js';
import { realDeps } from './real-deps.js';
import { openCtx, closeCtx, type Ctx } from '../../src/core/context.js';
import { addEntry } from '../../src/core/entries/add.js';
import { syncContext } from '../../src/core/sync/sync.js';

/** A bare remote whose `main` has one commit (of `files`, default a README). */
export function makeRemote(files?: Record<string, string>): string {
  const seed = makeRepo({ files });
  const remote = join(tempDir('git-ctx-remote-'), 'remote.git');
  git(seed, ['clone', '-q', '--bare', seed, remote]);
  return remote;
}

/** A clone of `remote` with its own identity; `name` names its folder (so its sessions) and its user. */
export function cloneOf(remote: string, args: string[] = [], name?: string): string {
  const dir = join(tempDir('git-ctx-clone-'), name ?? 'clone');
  git(dirname(dir), ['clone', '-q', ...args, remote, dir]);
  git(dir, ['config', 'user.name', name ?? 'Clone User']);
  git(dir, ['config', 'user.email', `${name ?? 'clone'}@example.com`]);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function accepting(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

export interface Daemon {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** `git daemon` serving the directory of `bare` (pushes allowed) on 127.0.0.1 only. */
export async function startDaemon(bare: string): Promise<Daemon> {
  const port = await freePort();
  const base = dirname(bare);
  const child: ChildProcess = spawn(
    'git',
    ['daemon', '--reuseaddr', '--export-all', '--enable=receive-pack', '--informative-errors', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base],
    { env: ENV, stdio: 'ignore' },
  );
  for (let i = 0; i < 200 && !(await accepting(port)); i++) await new Promise((r) => setTimeout(r, 25));
  return {
    url: `git://127.0.0.1:${port}/${basename(bare)}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Run core calls against `dir` in this process (the test environment, no node start-up). */
export async function withCtx<T>(dir: string, fn: (c: Ctx) => Promise<T>): Promise<T> {
  const c = await openCtx(realDeps(dir, ENV));
  try {
    return await fn(c);
  } finally {
    closeCtx(c);
  }
}

// Set-up steps run in process (the same core calls the CLI makes); the commands whose output a test
// asserts run through the real CLI.
export const add = (dir: string, body: string) => withCtx(dir, (c) => addEntry(c, { body }));
export const run = (dir: string, action: 'push' | 'pull' | 'sync') => withCtx(dir, (c) => syncContext(c, { action }));
export const init = (dir: string) => withCtx(dir, (c) => c.store.ensureBranch());
