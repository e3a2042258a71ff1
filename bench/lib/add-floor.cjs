// The least a Node CLI that appends through git's own update-ref can do, for bench/store.mjs to print
// beside `add`: load the built-ins an append needs (child_process, crypto, zlib), find the repository
// and read its settings from git's files (HEAD, the branch, the repository's config), hash and deflate
// one small object, then run update-ref, the compare-and-swap that moves the branch (here of a scratch
// ref of its own under refs/bench/, so that concurrent runs never wait on each other). No git-ctx code
// at all. git-ctx itself now moves the branch in process (src/git/ref-files.ts), without the spawn
// and child_process this floor pays for (~8 ms of CPU).
// Run it at the top of a worktree of a plain repository.
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const { deflateSync } = require('node:zlib');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const run = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn('git', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`git ${args[0]} exited ${status}`))));
  });

/** A ref's value: its loose file, else packed-refs. */
function refValue(gitDir, ref) {
  try {
    return readFileSync(join(gitDir, ref), 'latin1').trim();
  } catch {
    const line = readFileSync(join(gitDir, 'packed-refs'), 'latin1').split('\n').find((l) => l.endsWith(` ${ref}`));
    return line.slice(0, line.indexOf(' '));
  }
}

(async () => {
  const gitDir = join(process.cwd(), '.git');
  const ref = readFileSync(join(gitDir, 'HEAD'), 'latin1').trim().replace(/^ref: /, '');
  const head = refValue(gitDir, ref);
  readFileSync(join(gitDir, 'config'), 'latin1');
  const body = Buffer.from(`floor ${Date.now()}\n`);
  createHash('sha1').update(`blob ${body.length}\0`).update(body).digest('hex');
  deflateSync(body, { level: 1 });
  await run(['update-ref', `refs/bench/floor-${process.pid}`, head]);
})();
