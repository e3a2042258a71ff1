/**
 * Entry point: wire the real system (git on PATH, the clock, randomness, the process's streams) and run
 * the command line. The only file that sets the exit code.
 *
 * Start-up is budgeted (git-ctx runs inside git and agent hooks): the git processes every command
 * needs are started by the launcher, and the rest of git-ctx is loaded while they run.
 */
import { currentDir, opensRepository, probeFor, takeHandedOverProbe } from './git/probe.js';
import { readFileSync } from 'node:fs';
import { childProcess, stopChildren } from './git/spawn.js';

/**
 * How long the process may stay after its command has finished. Nothing legitimate is left by then
 * (results are written, the store closed, children told to exit); what is, a bug left behind (a
 * child or a promise that still holds the event loop), and it must not keep the process for ever.
 */
const EXIT_GRACE_MS = 1000;

const argv = process.argv.slice(2);
const cwd = currentDir();
const badArg = invalidUtf8Arg(argv);
if (badArg !== null) {
  // Node decodes arguments lossily (an invalid byte becomes U+FFFD): text that was not UTF-8 would be
  // stored changed. Refused, as the same bytes are through -F.
  const message = `argument ${badArg + 1} is not valid UTF-8 text`;
  process.stderr.write(`git-ctx: ${message}\nhint: pass the text through a file or stdin (-F FILE, -F -) to see where the bytes are wrong\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_ENCODING', message, data: { argument: badArg + 1 } } })}\n`);
  process.exit(2);
}
if (cwd === null && opensRepository(argv)) {
  // No repository can be found from a directory that is gone (process.cwd() throws): exit 3, as outside one.
  const message = 'cannot read the current directory (was it removed?)';
  process.stderr.write(`git-ctx: ${message}\nhint: cd to a directory inside the repository\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_NOT_A_REPO', message } })}\n`);
  process.exit(3);
}
// Started by the launcher (src/launch.ts) before this file was read; here only without the launcher.
const probe = takeHandedOverProbe() ?? (cwd === null ? undefined : probeFor(argv, cwd, process.env, process.getuid?.(), String(process.pid)));

void (async () => {
  const [{ hostname }, { main }, { progress }, { nodeCrypto }, { processAlive }] = await Promise.all([import('node:os'), import('./cli/main.js'), import('./cli/progress.js'), import('./builtins.js'), import('./deps.js')]);
  type Deps = import('./deps.js').Deps;
  const reporters = new Map<string, ReturnType<typeof progress>>();

  const deps: Deps = {
    cwd: cwd ?? '/',
    env: process.env,
    now: () => Date.now(),
    random: (n) => nodeCrypto().randomBytes(n),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    stderr: (s) => void process.stderr.write(s),
    stderrIsTTY: !!process.stderr.isTTY,
    progress(label, done, total) {
      let p = reporters.get(label);
      if (!p) reporters.set(label, (p = progress(deps, label)));
      p.update(done, total);
      if (done >= total) {
        p.done();
        reporters.delete(label);
      }
    },
    pid: process.pid,
    hostname: hostname(),
    processAlive,
    spawnDetached(args, dir) {
      // A run that cannot start (no memory, arguments too long) is lost work, never a crash of this one.
      childProcess()
        .spawn(process.execPath, [process.argv[1]!, ...args], { cwd: dir, detached: true, stdio: 'ignore', env: process.env })
        .on('error', () => {})
        .unref();
    },
    uid: process.getuid?.(),
  };

  let finished = false;
  process.on('uncaughtException', (e) => {
    // An error thrown where no caller waits (an event handler, a promise nobody awaits). Before the
    // result: the command failed, as any internal error fails it. After: the result stands.
    if (process.env.GIT_CTX_DEBUG === '1') process.stderr.write(`git-ctx: debug: uncaught after ${finished ? 'the result' : 'an error'}: ${e?.stack ?? String(e)}\n`);
    if (finished) return;
    finished = true;
    process.stderr.write(`git-ctx: internal error: ${e instanceof Error ? e.message : String(e)}\n${process.env.GIT_CTX_DEBUG === '1' ? '' : 'hint: run with GIT_CTX_DEBUG=1 for details\n'}`);
    stopChildren();
    process.exit(1);
  });

  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // A closed pipe (`git ctx log | head`) is not an error worth reporting.
    if (e.code === 'EPIPE') process.exit(0);
  });

  const code = await main(argv, {
    deps,
    stdout: (s) => void process.stdout.write(s),
    stdoutIsTTY: !!process.stdout.isTTY,
    writeOut: (text) => new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : process.stdout.end(() => resolve())))),
    readStdin,
    probe,
    // Getters: creating process.stdin costs ~5 ms, and only `mcp` speaks over the streams.
    get streams() {
      return { stdin: process.stdin, stdout: process.stdout };
    },
    // Not performance.timeOrigin: the `performance` global loads perf_hooks (~2 ms).
    startedAt: Date.now() - process.uptime() * 1000,
    exit(code) {
      // Work abandoned now must not run on as orphans: its git children are stopped. stderr first:
      // a note written just before a hard exit must not be lost.
      stopChildren();
      process.stderr.write('', () => process.exit(code));
    },
    spawnDetached: deps.spawnDetached,
  });
  // A command that never opened the store (bad usage) leaves the early object reader to close here.
  if (probe && !probe.taken) probe.cat?.stdin.end();
  finished = true;
  process.exitCode = code;
  setTimeout(() => {
    const stopped = stopChildren();
    if (process.env.GIT_CTX_DEBUG === '1') process.stderr.write(`git-ctx: debug: still running ${EXIT_GRACE_MS} ms after the command ended; exiting (${stopped} git processes stopped)\n`);
    process.exit(code);
  }, EXIT_GRACE_MS).unref();
})();

/**
 * The index of the first argument whose bytes were not valid UTF-8, or null. Only an argument holding
 * U+FFFD can be one (node puts it for each invalid sequence); its bytes are then read where the
 * kernel keeps them, /proc/self/cmdline (whose last entries are the program's arguments), since a real
 * U+FFFD is valid text. Without /proc, an argument holding U+FFFD is taken as invalid. Hooks are
 * never refused (they must not fail the git command or the agent).
 */
function invalidUtf8Arg(args: readonly string[]): number | null {
  const suspect = args.findIndex((a) => a.includes('\uFFFD'));
  if (suspect < 0 || args[0] === 'hook' || args[0] === 'agent-hook') return null;
  let raw: Buffer[];
  try {
    const all = readFileSync('/proc/self/cmdline');
    const parts: Buffer[] = [];
    for (let i = 0, j = all.indexOf(0); j >= 0; i = j + 1, j = all.indexOf(0, i)) parts.push(all.subarray(i, j));
    raw = parts.slice(parts.length - args.length);
    if (raw.length !== args.length) return suspect;
  } catch {
    return suspect;
  }
  const bad = raw.findIndex((b) => !Buffer.from(b.toString('utf8'), 'utf8').equals(b));
  return bad < 0 ? null : bad;
}

function readStdin(maxBytes = Infinity): Promise<Buffer | null> {
  if (process.stdin.isTTY) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      chunks.push(c);
      size += c.length;
      if (size > maxBytes) {
        // Enough to know it is too large: stop reading (the writer gets EPIPE, as with `| head`).
        process.stdin.destroy();
        resolve(Buffer.concat(chunks));
      }
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}
