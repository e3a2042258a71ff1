/**
 * Sync against real servers on 127.0.0.1, started here and shared by the tests of this file: git's
 * smart HTTP (`git http-backend` behind a web server, basic auth through a credential helper), ssh
 * (the system's sshd), git daemon, and a server that accepts connections and never answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contextTip, ctx, ctxOk, entryPaths, git, makeRepo, tempDir } from './helpers/repo.js';
import { cliOk, cli } from './helpers/cli.js';
import { add, cloneOf, startDaemon, type Daemon } from './helpers/remote.js';
import { credentialHelper, startHttpGit, startSilentServer, startSshd, type HttpGit, type Silent, type Sshd } from './helpers/servers.js';

const USER = 'ctx-user';
// Put together at run time: this repository must hold nothing its own secret scanner flags.
const PASSWORD = ['Pa55', 'w0rd', 'never', 'printed'].join('-');
const WRONG = ['Wr0ng', 'pa55word', 'not', 'printed'].join('-');

let root: string;
let seed: string;
let http: HttpGit;
let sshd: Sshd | { skip: string };
let daemon: Daemon;
let silent: Silent;

beforeAll(async () => {
  root = tempDir('git-ctx-served-');
  seed = makeRepo();
  git(root, ['clone', '-q', '--bare', seed, join(root, 'first.git')]);
  [http, sshd, daemon, silent] = await Promise.all([startHttpGit(root, USER, PASSWORD), startSshd(), startDaemon(join(root, 'first.git')), startSilentServer()]);
}, 60_000);
afterAll(async () => {
  await Promise.all([http?.stop(), daemon?.stop(), silent?.stop(), sshd && 'stop' in sshd ? sshd.stop() : undefined]);
});

function bare(name: string): string {
  const path = join(root, `${name}.git`);
  git(root, ['clone', '-q', '--bare', seed, path]);
  return path;
}

const ids = (repo: string) => entryPaths(repo).map((p) => p.replace(/^.*\//, '').replace(/\.md$/, '')).sort();

/** Three clones add and sync twice, all at once; then one quiet round: every clone has all six. */
async function race(remotePath: string, url: string, env: Record<string, string> = {}, setup: (clone: string) => void = () => {}): Promise<void> {
  const clones = ['a', 'b', 'c'].map((n) => cloneOf(remotePath, [], n));
  for (const c of clones) {
    git(c, ['config', 'ctx.remote', url]);
    setup(c);
  }
  for (let round = 0; round < 2; round++) {
    const runs = await Promise.all(
      clones.map(async (c, i) => {
        await add(c, `clone ${i} round ${round}`);
        return ctx(c, ['sync', '--json'], { env });
      }),
    );
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.json.layout).toBe('clones');
    }
  }
  for (const c of clones) await cliOk(c, ['sync'], { env });
  for (const c of clones) expect(ids(c)).toHaveLength(6);
  expect(new Set(clones.map(ids).map((x) => x.join()))).toHaveProperty('size', 1);
  expect(git(remotePath, ['for-each-ref', '--format=%(refname)', 'refs/ctx/clones/']).split('\n')).toHaveLength(3);
}

describe('real servers', () => {
  it("git's smart HTTP with basic auth through a credential helper", async () => {
    const path = bare('over-http');
    await race(path, http.url('over-http.git'), {}, (c) => git(c, ['config', 'credential.helper', credentialHelper(USER, PASSWORD)]));
  }, 120_000);

  it('ssh (the system sshd on 127.0.0.1)', async (t) => {
    if ('skip' in sshd) {
      t.skip(); // CI without openssh-server: the reason is printed below
      console.warn(`ssh test skipped: ${sshd.skip}`);
      return;
    }
    const path = bare('over-ssh');
    await race(path, sshd.url(path), { GIT_SSH_COMMAND: sshd.sshCommand });
  }, 120_000);
});

describe('passwords are never printed', () => {
  it('a URL with credentials: shown without them in messages, warnings and --json, success or failure', async () => {
    bare('secret-url');
    const withPassword = http.url('secret-url.git').replace('://', `://${USER}:${PASSWORD}@`);
    const wrong = withPassword.replace(PASSWORD, WRONG);
    const a = cloneOf(join(root, 'secret-url.git'), [], 'a');
    await add(a, 'over a URL with a password');
    const outputs = [
      await cliOk(a, ['push', withPassword, '--json']),
      await cliOk(a, ['push', withPassword]),
      await cliOk(a, ['pull', withPassword, '--json']),
      await cli(a, ['push', wrong, '--json']),
      await cli(a, ['sync', wrong]),
      await cliOk(a, ['init', '--remote', withPassword, '--json']),
      await cliOk(a, ['init', '--remote', withPassword]),
    ];
    expect(outputs[0]!.json).toMatchObject({ remote: http.url('secret-url.git'), sent: 1 });
    expect(outputs[3]!.code).toBe(5);
    expect(outputs[3]!.json.error.code).toBe('E_REMOTE_AUTH');
    // pickup's offline warning names the remote too (ctx.remote now holds the URL with its password).
    await cliOk(a, ['handoff', '-m', 'to pick up']);
    git(a, ['config', 'ctx.remote', `http://${USER}:${PASSWORD}@127.0.0.1:${silent.port}/r.git`]);
    git(a, ['config', 'ctx.pickupTimeout', '2']);
    outputs.push(await cliOk(a, ['pickup', '--json']));
    expect(outputs.at(-1)!.stderr).toMatch(/claimed on this machine only/);
    for (const o of outputs) {
      for (const text of [o.stdout, o.stderr]) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(WRONG);
      }
    }
  }, 120_000);
});

/** git and the helpers it starts (git-remote-http, ssh) that still talk to `port`. */
function leftovers(port: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(`127.0.0.1:${port}`) || cmd.includes(`-p ${port}`)) out.push(cmd);
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('a remote that accepts and never answers', () => {
  it('sync, push and pull stop at their bound with exit 5; pickup falls back to an offline claim; nothing is left running', async () => {
    const urls = {
      http: `http://127.0.0.1:${silent.port}/r.git`,
      git: `git://127.0.0.1:${silent.port}/r.git`,
      ssh: `ssh://127.0.0.1:${silent.port}/r.git`,
    };
    const runs = Object.entries(urls).map(async ([kind, url]) => {
      const a = cloneOf(bare(`hang-${kind}`), [], kind);
      git(a, ['config', 'ctx.remote', url]);
      git(a, ['config', 'ctx.remoteTimeout', '2']);
      git(a, ['config', 'ctx.pickupTimeout', '2']);
      await add(a, `stuck behind ${kind}`);
      await ctxOk(a, ['handoff', '-m', `waiting on ${kind}`]);
      const tip = contextTip(a);
      const timed = async (args: string[]) => {
        const t0 = Date.now();
        const r = await ctx(a, args);
        return { ...r, ms: Date.now() - t0 };
      };
      const verbs = ['sync', 'push', 'pull'];
      const [p, ...rs] = await Promise.all([timed(['pickup', '--json']), ...verbs.map((verb) => timed([verb, '--json']))]);
      rs.forEach((r, i) => {
        expect(r.code, `${kind} ${verbs[i]}: ${r.stderr}`).toBe(5);
        expect(r.json.error.code, `${kind} ${verbs[i]}`).toBe('E_REMOTE_TIMEOUT');
        // The bound (2 s), plus starting node and stopping git, on a busy machine.
        expect(r.ms, `${kind} ${verbs[i]}`).toBeLessThan(12_000);
      });
      // The failed syncs wrote nothing: the only new commit is the offline claim.
      expect(git(a, ['log', '--format=%s', `${tip}..context`])).toBe('pickup: 1 handoff');
      expect(p.code, p.stderr).toBe(0);
      expect(p.json).toMatchObject({ decidedBy: 'local', offline: expect.stringMatching(/^E_REMOTE_TIMEOUT$/) });
      expect(p.json.handoffs).toHaveLength(1);
      expect(p.ms, `${kind} pickup`).toBeLessThan(11_000);
    });
    await Promise.all(runs);
    expect(silent.accepted).toBeGreaterThan(0);
    // Whatever the commands stopped is gone within 1.5 s.
    for (const until = Date.now() + 1500; leftovers(silent.port).length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    expect(leftovers(silent.port)).toEqual([]);
  }, 180_000);
});
