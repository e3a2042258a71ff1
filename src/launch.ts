/**
 * The executable (dist/bin.cjs): runs the bundle (dist/git-ctx.cjs) through V8's code cache.
 *
 * Every git-ctx command is a short process, often started by a git or agent hook, so start-up is most
 * of its cost. Compiling the 300 KB bundle from source took ~14 ms of every run, and compiling the
 * functions a command then calls as much again; with the code V8 compiled on an earlier run, all of
 * that is skipped (node 22's module.enableCompileCache does the same; node 20 has only vm.Script).
 *
 * The cache is a file per build of the bundle, node version and command, under $XDG_CACHE_HOME/git-ctx (or
 * ~/.cache/git-ctx), private to the user: code read from it runs as the user, so it never lives in a
 * shared directory. The build stamps the bundle's content hash in here, so a cache file can never be
 * taken for another build's; V8 refuses one made by another V8 or with other flags, and it is then
 * written anew. A missing or unwritable cache only costs the compile time. GIT_CTX_CODE_CACHE=0 turns
 * it off.
 *
 * Kept to node's built-ins that every command loads anyway, and ./git/probe.ts: this file runs before
 * anything else.
 */
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { Script } from 'node:vm';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { handOverProbe } from './git/probe.js';

// git starts first: it finds the repository and reads the settings while Node reads and compiles
// the bundle, on the other core.
handOverProbe(process.argv.slice(2));

/** The bundle's content hash, stamped by scripts/build.mjs. */
declare const __BUNDLE_HASH__: string;

/** Cache files of other builds are removed after this long (a build still in use writes its own again). */
const KEEP_OTHERS_MS = 7 * 24 * 3600 * 1000;

const bundle = join(__dirname, 'git-ctx.cjs');
const source = readFileSync(bundle, 'utf8');
const cacheDir = codeCacheDir();
// One cache per command: each holds the functions its command compiled (add's cache saves `add` ~6 ms
// more than a cache written by `log` does).
const command = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? '';
const cacheFile = cacheDir && join(cacheDir, `v8-${__BUNDLE_HASH__}-${source.length}-${process.version}-${process.arch}-${/^[a-z][a-z-]{0,19}$/.test(command) ? command : 'other'}.bin`);

let cached: Buffer | undefined;
if (cacheFile && ours(cacheDir!) && ours(cacheFile)) {
  try {
    cached = readFileSync(cacheFile);
  } catch {
    /* first run of this build */
  }
}
// The same wrapper node gives a CommonJS module, on the first line so that stack traces keep their lines.
const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData: cached });
if (cacheFile && (!cached || script.cachedDataRejected)) {
  // At exit the cache also holds every function this run compiled, not just the top level.
  process.once('exit', () => save(cacheDir!, cacheFile, script));
}
const mod = { exports: {} };
script.runInThisContext()(mod.exports, createRequire(bundle), mod, bundle, __dirname);

function codeCacheDir(): string | null {
  if (process.env.GIT_CTX_CODE_CACHE === '0') return null;
  const base = process.env.XDG_CACHE_HOME || (process.env.HOME && join(process.env.HOME, '.cache'));
  return base && base.startsWith('/') ? join(base, 'git-ctx') : null;
}

/** Only a file in a directory of our own, that nobody else can write to, holds code we will run. */
function ours(path: string): boolean {
  try {
    const st = statSync(path);
    return typeof process.getuid !== 'function' || (st.uid === process.getuid() && !(st.mode & 0o022));
  } catch {
    return false;
  }
}

function save(dir: string, file: string, compiled: Script): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ours(dir)) return;
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, compiled.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file);
    const now = Date.now();
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (p !== file && name.startsWith('v8-') && now - statSync(p).mtimeMs > KEEP_OTHERS_MS) unlinkSync(p);
    }
  } catch {
    /* a cache that cannot be written only costs the compile time next run */
  }
}
