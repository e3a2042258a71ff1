/**
 * Entry point: wire the real system (git on PATH, the clock, randomness, the process's streams) and run
 * the command line. The only file that sets the exit code.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { main } from './cli/main.js';
import { progress } from './cli/progress.js';
import type { Deps } from './deps.js';
import type { CliIO } from './cli/io.js';

function readStdin(): Promise<Buffer | null> {
  if (process.stdin.isTTY) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
    process.stdin.on('error', reject);
  });
}

const reporters = new Map<string, ReturnType<typeof progress>>();

const deps: Deps = {
  cwd: process.cwd(),
  env: process.env,
  now: () => Date.now(),
  random: (n) => randomBytes(n),
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
  processAlive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

const io: CliIO = {
  deps,
  stdout: (s) => void process.stdout.write(s),
  stdoutIsTTY: !!process.stdout.isTTY,
  readStdin,
};

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // A closed pipe (`git ctx log | head`) is not an error worth reporting.
  if (e.code === 'EPIPE') process.exit(0);
});

void main(process.argv.slice(2), io).then((code) => {
  process.exitCode = code;
});
