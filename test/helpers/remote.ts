/**
 * Remotes for sync tests: a bare repository with a code branch, clones of it, and a real git server
 * (`git daemon` on 127.0.0.1, started and stopped by the test).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { expect } from 'vitest';
import { ENV, git, makeRepo, tempDir, type CliResult } from './repo.js';
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

export interface Daemon {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Whether process `pid` listens on 127.0.0.1:`port` (the socket in /proc/net/tcp is one of its files).
 * A port is free when chosen, but another program on the machine may take it before git binds it:
 * then something answers on it that is not the daemon started here.
 */
function listensOn(pid: number, port: number): boolean {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  const inodes = readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === local && f[3] === '0A') // LISTEN
    .map((f) => `socket:[${f[9]}]`);
  if (!inodes.length) return false;
  const holds = (p: string): boolean => {
    try {
      // `git daemon` runs git-daemon as its child: the process or one under it.
      if (readdirSync(`/proc/${p}/fd`).some((fd) => inodes.includes(readlinkSyncOr(`/proc/${p}/fd/${fd}`)))) return true;
      return readFileSync(`/proc/${p}/task/${p}/children`, 'utf8').split(' ').filter(Boolean).some(holds);
    } catch {
      return false; // gone
    }
  };
  return holds(String(pid));
}

function readlinkSyncOr(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** `git daemon` serving the directory of `bare` (pushes allowed) on 127.0.0.1 only. */
export async function startDaemon(bare: string): Promise<Daemon> {
  const base = dirname(bare);
  let port = 0;
  let child: ChildProcess | undefined;
  // Another port when git could not bind the one chosen (taken meanwhile): git exits.
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort();
    const c: ChildProcess = spawn(
      'git',
      ['daemon', '--reuseaddr', '--export-all', '--enable=receive-pack', '--informative-errors', `--base-path=${base}`, '--listen=127.0.0.1', `--port=${port}`, base],
      { env: ENV, stdio: 'ignore' },
    );
    for (let i = 0; i < 200 && c.exitCode === null && c.signalCode === null && !listensOn(c.pid!, port); i++) await new Promise((r) => setTimeout(r, 25));
    if (listensOn(c.pid!, port)) child = c;
    else c.kill('SIGKILL');
  }
  if (!child) throw new Error(`git daemon did not listen on 127.0.0.1 (five ports tried, the last ${port})`);
  return {
    url: `git://127.0.0.1:${port}/${basename(bare)}`,
    port,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
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

/**
 * What concurrent `pickup --json` runs delivered, by handoff id -> the session it went to; fails the
 * test when a run failed, fell back to offline, was decided by anything but the remote, or when a
 * handoff went to two sessions.
 */
export function deliveredOnceByRemote(runs: readonly CliResult[], sessions: readonly string[]): Map<string, string> {
  const delivered = new Map<string, string>();
  runs.forEach((r, i) => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.offline, r.stderr).toBeNull();
    if (r.json.handoffs.length) expect(r.json.decidedBy).toBe('remote');
    for (const h of r.json.handoffs) {
      expect(delivered.has(h.id), `${h.id} delivered twice`).toBe(false);
      delivered.set(h.id, sessions[i]!);
    }
  });
  return delivered;
}
