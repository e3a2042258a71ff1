/**
 * Entry point: wire the real system (git on PATH, the clock, randomness, the process's streams) and run
 * the command line. The only file that sets the exit code.
 *
 * Start-up is budgeted (git-ctx runs inside git and agent hooks): the git processes every command
 * needs are started by the launcher, and the rest of git-ctx is loaded while they run.
 */
import { currentDir, opensRepository, probeFor, takeHandedOverProbe } from './git/probe.js';

const argv = process.argv.slice(2);
const cwd = currentDir();
if (cwd === null && opensRepository(argv)) {
  // No repository can be found from a directory that is gone (process.cwd() throws): exit 3, as outside one.
  const message = 'cannot read the current directory (was it removed?)';
  process.stderr.write(`git-ctx: ${message}\nhint: cd to a directory inside the repository\n`);
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify({ schemaVersion: 1, error: { code: 'E_NOT_A_REPO', message } })}\n`);
  process.exit(3);
}
// Started by the launcher (src/launch.ts) before this file was read; here only without the launcher.
const probe = takeHandedOverProbe() ?? (cwd === null ? undefined : probeFor(argv, cwd, process.env));

void (async () => {
  const [{ hostname }, { spawn }, { main }, { progress }, { nodeCrypto }, { processAlive }] = await Promise.all([import('node:os'), import('node:child_process'), import('./cli/main.js'), import('./cli/progress.js'), import('./builtins.js'), import('./deps.js')]);
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
      spawn(process.execPath, [process.argv[1]!, ...args], { cwd: dir, detached: true, stdio: 'ignore', env: process.env }).unref();
    },
  };

  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    // A closed pipe (`git ctx log | head`) is not an error worth reporting.
    if (e.code === 'EPIPE') process.exit(0);
  });

  const code = await main(argv, {
    deps,
    stdout: (s) => void process.stdout.write(s),
    stdoutIsTTY: !!process.stdout.isTTY,
    readStdin,
    probe,
    // Getters: creating process.stdin costs ~5 ms, and only `mcp` speaks over the streams.
    get streams() {
      return { stdin: process.stdin, stdout: process.stdout };
    },
    // Not performance.timeOrigin: the `performance` global loads perf_hooks (~2 ms).
    startedAt: Date.now() - process.uptime() * 1000,
    exit(code) {
      // stderr first: a note written just before a hard exit must not be lost.
      process.stderr.write('', () => process.exit(code));
    },
    spawnDetached: deps.spawnDetached,
  });
  // A command that never opened the store (bad usage) leaves the early object reader to close here.
  if (probe && !probe.taken) probe.cat?.stdin.end();
  process.exitCode = code;
})();

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
