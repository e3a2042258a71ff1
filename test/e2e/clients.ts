/**
 * The real agent CLIs, installed from the npm registry at pinned versions into a cache shared by every
 * run on this machine: `$GIT_CTX_E2E_CACHE`, else `$XDG_CACHE_HOME/git-ctx-e2e`, else
 * `~/.cache/git-ctx-e2e`, one directory per `<name>@<version>`.
 *
 * Why not devDependencies: the two native packages weigh ~360 MB compressed (~800 MB unpacked), which
 * every `npm ci` of every contributor would download for a suite most runs do not need, and Claude Code
 * declares `engines.node >= 22` while this project supports Node 20 (its native binary does not use
 * Node at all). Installed here, they cost one download per machine and version, and nothing to anyone
 * who never runs the e2e suite.
 *
 * An install goes to a temporary directory next to the cache entry and is renamed into place once the
 * binary answers `--version` with the pinned version, so a run never sees half an install. A lock
 * directory (owner pid and host inside; taken over when its owner is gone or it is older than the
 * install's bound) keeps two runs from downloading at once. Scripts are not run (`--ignore-scripts`):
 * the binaries are taken straight from the platform packages that npm installs as optional
 * dependencies, so nothing depends on npm's policy for install scripts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';

export const CLAUDE_CODE = { name: '@anthropic-ai/claude-code', version: '2.1.332' } as const;
export const CODEX = { name: '@openai/codex', version: '0.171.0' } as const;

export type ClientName = 'claude' | 'codex';

export interface InstalledClient {
  name: ClientName;
  version: string;
  /** argv prefix that runs the client (a native binary, or node and the package's launcher). */
  command: string[];
}

/** An install (both packages, ~360 MB) gets this long; a lock held longer than this is stale. */
const INSTALL_MS = 15 * 60_000;

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GIT_CTX_E2E_CACHE) return env.GIT_CTX_E2E_CACHE;
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'git-ctx-e2e');
}

function pkgOf(client: ClientName): { name: string; version: string } {
  return client === 'claude' ? CLAUDE_CODE : CODEX;
}

/** The argv that runs an installed client in `dir`, or null when the install is incomplete. */
function commandIn(client: ClientName, dir: string): string[] | null {
  const nm = join(dir, 'node_modules');
  if (client === 'claude') {
    // The platform package that matched this machine (os, cpu, libc) holds the native binary that the
    // package's postinstall would copy over its `bin/claude.exe` placeholder.
    const scope = join(nm, '@anthropic-ai');
    if (!existsSync(scope)) return null;
    for (const d of readdirSync(scope)) {
      const bin = join(scope, d, 'claude');
      if (d.startsWith('claude-code-') && existsSync(bin) && statSync(bin).isFile()) return [bin];
    }
    return null;
  }
  // Codex's launcher finds its platform package itself and sets the variables the binary expects.
  const launcher = join(nm, '@openai', 'codex', 'bin', 'codex.js');
  return existsSync(launcher) ? [process.execPath, launcher] : null;
}

function versionOf(command: string[], scratch: string): string {
  // A HOME of its own: asking for the version must not create config in the user's.
  const home = join(scratch, 'home');
  mkdirSync(home, { recursive: true });
  const r = spawnSync(command[0]!, [...command.slice(1), '--version'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: home, CODEX_HOME: join(home, '.codex'), CLAUDE_CONFIG_DIR: join(home, '.claude') } });
  rmSync(home, { recursive: true, force: true });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'owner'), `${process.pid} ${hostname()} ${Date.now()}\n`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      let stale = false;
      try {
        const [pid, host] = readFileSync(join(lock, 'owner'), 'utf8').split(' ');
        stale = (host === hostname() && !alive(Number(pid))) || Date.now() - statSync(lock).mtimeMs > INSTALL_MS;
      } catch {
        // No owner file yet (just created by its owner, or left by one killed in between), or no lock
        // any more (released meanwhile: the next round takes it).
        const st = statSync(lock, { throwIfNoEntry: false });
        stale = !!st && Date.now() - st.mtimeMs > 60_000;
      }
      if (stale) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() - start > INSTALL_MS) throw new Error(`${lock} is held by another run for over ${INSTALL_MS / 60_000} min`);
      else await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function npmInstall(dir: string, spec: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = ['install', '--no-audit', '--no-fund', '--no-package-lock', '--ignore-scripts', '--engine-strict=false', '--loglevel=error', spec];
    const child = spawn('npm', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), INSTALL_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run npm: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`npm install ${spec} exited ${code} (GIT_CTX_SKIP_E2E=1 skips the e2e suite, say offline):\n${out.slice(-4000)}`));
    });
  });
}

/** The client at its pinned version, installed into the cache first if it is not there yet. */
export async function ensureClient(client: ClientName, log: (line: string) => void = () => {}): Promise<InstalledClient> {
  const { name, version } = pkgOf(client);
  const root = cacheRoot();
  const dir = join(root, `${name.replace('/', '+')}@${version}`);
  const ready = () => {
    const command = existsSync(join(dir, '.complete')) ? commandIn(client, dir) : null;
    return command ? { name: client, version, command } : null;
  };
  const have = ready();
  if (have) return have;
  mkdirSync(root, { recursive: true });
  return withLock(`${dir}.lock`, async () => {
    const again = ready(); // installed by the run that held the lock before us
    if (again) return again;
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    try {
      mkdirSync(tmp);
      writeFileSync(join(tmp, 'package.json'), `${JSON.stringify({ private: true, description: 'git-ctx e2e client cache' })}\n`);
      const t = Date.now();
      log(`installing ${name}@${version} into ${dir} (once per machine and version)`);
      await npmInstall(tmp, `${name}@${version}`);
      const command = commandIn(client, tmp);
      if (!command) throw new Error(`${name}@${version}: no binary for ${process.platform}-${process.arch} after npm install`);
      const said = versionOf(command, tmp);
      if (!said.includes(version)) throw new Error(`${name}@${version}: --version said ${JSON.stringify(said.slice(0, 300))}`);
      writeFileSync(join(tmp, '.complete'), `${version}\n`);
      rmSync(dir, { recursive: true, force: true });
      renameSync(tmp, dir);
      log(`installed ${name}@${version} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    const done = ready();
    if (!done) throw new Error(`${name}@${version}: install finished but ${dir} is incomplete`);
    return done;
  });
}
