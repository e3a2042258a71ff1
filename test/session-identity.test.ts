/**
 * Session identity across clones and machines (SPEC, Identity): a session id is unique to its clone and
 * machine and stable within the session, so one machine never hides a message from another, and a
 * commit never starts a new session. Real clones exchanging the context through a bare remote; "another
 * machine" is another host name (a UTS namespace, where the machine allows one).
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BIN, ENV, git, makeRepo, tempDir, writeFiles } from './helpers/repo.js';
import { cliOk } from './helpers/cli.js';
import { agentSessionId, placeSessionId } from '../src/model/session-id.js';

const inbox = async (cwd: string, env: Record<string, string> = {}) => (await cliOk(cwd, ['inbox', '--json'], { env })).json;
const titles = async (cwd: string, env: Record<string, string> = {}) => (await inbox(cwd, env)).messages.map((m: any) => m.title);

/** A bare remote with one commit on main, and `n` clones of it, each in a folder named `proj` of its own. */
function clones(n: number): { remote: string; dirs: string[] } {
  const seed = makeRepo();
  const remote = join(tempDir(), 'remote.git');
  git(seed, ['clone', '-q', '--bare', seed, remote]);
  const dirs = Array.from({ length: n }, () => {
    const dir = join(tempDir(), 'proj');
    git(tempDir(), ['clone', '-q', remote, dir]);
    git(dir, ['config', 'user.name', 'Test User']);
    git(dir, ['config', 'user.email', 'test@example.com']);
    return dir;
  });
  return { remote, dirs };
}

const canUnshare = (() => {
  try {
    execFileSync('unshare', ['--uts', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** git-ctx run on a machine of that name. */
function onHost(host: string, cwd: string, args: string[]): string {
  return execFileSync('unshare', ['--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', host, process.execPath, BIN, ...args], { cwd, env: ENV, encoding: 'utf8' });
}

describe('session ids', () => {
  it('are the place (worktree and clone) by default, never the commit; an agent session is its own id', async () => {
    const repo = makeRepo();
    const s = (await inbox(repo)).session as string;
    expect(s).toMatch(new RegExp(`^${basename(repo)}:main@[0-9a-f]{6}$`));
    git(repo, ['checkout', '-q', '--detach']);
    const detached = (await inbox(repo)).session as string;
    expect(detached).toMatch(new RegExp(`^${basename(repo)}:detached@[0-9a-f]{6}$`));
    git(repo, ['commit', '-q', '--allow-empty', '-m', 'another commit']);
    expect((await inbox(repo)).session).toBe(detached);
    // In an agent's shell: the agent's session, the same one its hooks and MCP server use.
    expect((await inbox(repo, { CLAUDE_CODE_SESSION_ID: 'a1b2' })).session).toBe(agentSessionId('claude', 'a1b2'));
    expect((await inbox(repo, { CODEX_THREAD_ID: 'a1b2' })).session).toBe(agentSessionId('codex', 'a1b2'));
    expect((await inbox(repo, { CLAUDE_CODE_SESSION_ID: 'a1b2', GIT_CTX_SESSION: 'mine' })).session).toBe('mine');
    // Distinct for two machines with the same path, and for two paths on one machine.
    expect(placeSessionId('laptop-a', '/home/me/proj', 'proj', 'main')).not.toBe(placeSessionId('laptop-b', '/home/me/proj', 'proj', 'main'));
    expect(placeSessionId('laptop-a', '/home/me/proj', 'proj', 'main')).not.toBe(placeSessionId('laptop-a', '/work/proj', 'proj', 'main'));
  });

  it('in detached HEAD, a message read stays read after the next commit', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['send', 'ship it', '--session', 'someone-else']);
    git(repo, ['checkout', '-q', '--detach']);
    await cliOk(repo, ['inbox', '--mark-read']);
    expect(await titles(repo)).toEqual([]);
    writeFiles(repo, { 'f.txt': 'one\n' });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'work on a detached HEAD']);
    expect(await titles(repo)).toEqual([]);
  });

  it('two clones with the same folder name and branch: a message to all from one reaches the other, and neither one\'s reading hides it from the other', async () => {
    const { dirs } = clones(2);
    const [a, b] = dirs as [string, string];
    await cliOk(a, ['init', '--remote', 'origin']);
    await cliOk(b, ['init', '--remote', 'origin']);
    expect(basename(a)).toBe(basename(b));
    await cliOk(a, ['send', 'from a to all']);
    await cliOk(a, ['sync']);
    await cliOk(b, ['sync']);
    expect(await titles(b)).toEqual(['from a to all']);
    await cliOk(b, ['send', 'from b to all']);
    await cliOk(b, ['inbox', '--mark-read']);
    await cliOk(b, ['sync']);
    await cliOk(a, ['sync']);
    // b's receipt is b's: a still has b's message to read, and its own is not news to it.
    expect(await titles(a)).toEqual(['from b to all']);
    expect(await titles(b)).toEqual([]);
  });

  it.skipIf(!canUnshare)('two machines, the same path: each sees the other\'s message, and its own receipts only', async () => {
    const { dirs } = clones(2);
    const [a, b] = dirs as [string, string];
    // Both clones at one path, one machine after the other.
    const at = join(tempDir(), 'proj');
    const swap = (dir: string) => renameSync(dir, at);
    const back = (dir: string) => renameSync(at, dir);
    swap(a);
    onHost('laptop-a', at, ['init', '--remote', 'origin']);
    onHost('laptop-a', at, ['send', 'from laptop-a']);
    onHost('laptop-a', at, ['sync']);
    const sessionA = JSON.parse(onHost('laptop-a', at, ['inbox', '--json'])).session;
    back(a);
    swap(b);
    onHost('laptop-b', at, ['init', '--remote', 'origin']);
    onHost('laptop-b', at, ['sync']);
    const seen = JSON.parse(onHost('laptop-b', at, ['inbox', '--mark-read', '--json']));
    expect(seen.session).not.toBe(sessionA);
    expect(seen.messages.map((m: any) => m.title)).toEqual(['from laptop-a']);
    onHost('laptop-b', at, ['send', 'from laptop-b']);
    onHost('laptop-b', at, ['sync']);
    back(b);
    swap(a);
    onHost('laptop-a', at, ['sync']);
    expect(JSON.parse(onHost('laptop-a', at, ['inbox', '--json'])).messages.map((m: any) => m.title)).toEqual(['from laptop-b']);
    back(a);
    mkdirSync(at);
  });

  it('messages to the earlier name `<folder>:<branch>` still arrive, and receipts written under it before the upgrade still count', async () => {
    const repo = makeRepo();
    const label = `${basename(repo)}:main`;
    await cliOk(repo, ['send', '--to', label, 'to the old name', '--session', 'elsewhere']);
    await cliOk(repo, ['send', 'read before the upgrade', '--session', 'elsewhere']);
    // A receipt as the previous version wrote it (its session was the bare label).
    await cliOk(repo, ['inbox', '--mark-read', '--session', label]);
    expect(await titles(repo)).toEqual([]);
    // After the upgrade, such a receipt no longer speaks for this clone (another machine may share the label).
    await cliOk(repo, ['send', 'after the upgrade', '--session', 'elsewhere']);
    await cliOk(repo, ['inbox', '--mark-read', '--session', label]);
    expect(await titles(repo)).toEqual(['after the upgrade']);
    // An agent session in this worktree is reached by the old name too.
    await cliOk(repo, ['send', '--to', label, 'for whoever works here', '--session', 'elsewhere']);
    expect(await titles(repo, { CLAUDE_CODE_SESSION_ID: 'z9' })).toContain('for whoever works here');
  });
});
