/**
 * `git ctx agent-hook`: the real bundle fed the JSON Claude Code and Codex document for each hook
 * event on stdin, run from another directory than the project (the project's directory comes from the
 * JSON), with other sessions writing to the same repository. Asserts the exact stdout contract, what
 * lands on the context branch, and the delivery guarantees (SPEC invariant 11): what a hook shows is
 * marked read only once it was written out in full, nothing reaches a session twice, nothing old comes
 * back, and handoffs are written by a run that outlives the agent.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BIN, ENV, addWorktree, ctx, git, makeRepo, tempDir, writeFiles, type CliResult } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { seed } from '../bench/lib/seed.js';

const elsewhere = tempDir('git-ctx-not-a-repo-');

/** The hook input as Claude Code documents it for each event. */
function claudeInput(event: string, cwd: string, session: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = { session_id: session, transcript_path: `/home/u/.claude/projects/p/${session}.jsonl`, cwd, hook_event_name: event, permission_mode: 'default' };
  const specific: Record<string, Record<string, unknown>> = {
    SessionStart: { source: 'startup', model: 'claude-sonnet-4-5' },
    UserPromptSubmit: { prompt: 'Fix the parser bug please' },
    SessionEnd: { reason: 'prompt_input_exit' },
    PreCompact: { trigger: 'auto', custom_instructions: '' },
    Stop: { stop_hook_active: false },
  };
  return { ...base, ...specific[event], ...extra };
}

function hook(client: string, event: string, input: Record<string, unknown> | string, env: Record<string, string> = {}): Promise<CliResult> {
  return ctx(elsewhere, ['agent-hook', client, event], { input: typeof input === 'string' ? input : JSON.stringify(input), env });
}

/** The one JSON line a hook that adds context prints. */
function contextOf(r: CliResult, event: string): string {
  expect(r.code).toBe(0);
  expect(r.stdout.endsWith('\n')).toBe(true);
  expect(r.stdout.trimEnd().split('\n')).toHaveLength(1);
  const out = JSON.parse(r.stdout);
  expect(Object.keys(out)).toEqual(['hookSpecificOutput']);
  expect(Object.keys(out.hookSpecificOutput)).toEqual(['hookEventName', 'additionalContext']);
  expect(out.hookSpecificOutput.hookEventName).toBe(event);
  expect(typeof out.hookSpecificOutput.additionalContext).toBe('string');
  return out.hookSpecificOutput.additionalContext;
}

function silent(r: CliResult): void {
  expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 0, stdout: '', stderr: '' });
}

async function waitFor<T>(what: string, f: () => T | Promise<T>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether a process whose command line holds `text` is running. */
function runningWith(text: string): boolean {
  return readdirSync('/proc').some((pid) => {
    try {
      return /^\d+$/.test(pid) && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
    } catch {
      return false; // gone
    }
  });
}

/** How many entries of a kind are on the branch; none while there is no branch (exit 3). */
const count = async (repo: string, kind: string) => {
  const r = await cli(repo, ['log', '-n', '0', '-k', kind, '--json']);
  if (r.code === 3) return 0;
  if (r.code !== 0) throw new Error(`git-ctx log exited ${r.code}: ${r.stderr}`);
  return r.json.entries.length;
};
const stateFile = (repo: string, client: string, session: string) => join(repo, '.git/ctx/agents', client, `${session}.json`);
/** The messages a session has not read, as `git ctx inbox` run in the agent's shell sees them. */
const unread = async (repo: string, agentSession: string) => (await cliOk(repo, ['inbox', '--json'], { env: { CLAUDE_CODE_SESSION_ID: agentSession } })).json.messages.map((m: any) => m.title);

/** A background run a hook handed its work to is done: its hand-over is no longer in the state file. */
async function backgroundDone(repo: string, client: string, session: string): Promise<void> {
  await waitFor('the background run', () => {
    const f = stateFile(repo, client, session);
    return !existsSync(f) || JSON.parse(readFileSync(f, 'utf8')).ending === null;
  });
}

/** Two processes that keep both cores busy, as parallel agents do to a laptop. */
function busy(): () => void {
  const procs: ChildProcess[] = [0, 1].map(() => spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  return () => procs.forEach((p) => p.kill('SIGKILL'));
}

describe('agent hooks', () => {
  let repo: string;
  let other: string;
  beforeAll(async () => {
    repo = makeRepo({ files: { 'src/a.ts': 'export function a() {\n  return 1;\n}\n' } });
    other = addWorktree(repo, 'wb', 'fix');
    await cliOk(other, ['add', '-k', 'decision', '-t', 'Hand-written lexer', '-m', 'Error messages matter more than speed.', '--agent', 'codex']);
    await cliOk(other, ['handoff', '-m', 'Lexer half done', '--agent', 'codex']);
    await cliOk(other, ['send', 'build is red, do not merge', '--agent', 'codex']);
  });

  it('SessionStart: the brief of the agent session, as additionalContext, for the project named on stdin', async () => {
    const expected = (await cliOk(repo, ['brief', '--agent', 'claude'], { env: { CLAUDE_CODE_SESSION_ID: 'sess-1' } })).stdout;
    const r = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-1'));
    const context = contextOf(r, 'SessionStart');
    expect(r.stderr).toBe('');
    // The same brief as `git ctx brief` in the agent's shell (its first line names the minute it was made).
    expect(context.split('\n').slice(1).join('\n')).toBe(expected.split('\n').slice(1).join('\n'));
    expect(context).toMatch(/^# Brief for session claude-[0-9a-f]{12} \(agent claude\)/);
    expect(context).toContain('Hand-written lexer');
    expect(context).toContain('build is red, do not merge');
    expect(context).toContain('Lexer half done');
    // Shown in full, so read now: the session's inbox leaves it out, and so does the next session's
    // in this worktree (receipts are written for the worktree too).
    expect(await unread(repo, 'sess-1')).toEqual([]);
    expect(await unread(repo, 'a-later-session')).toEqual([]);
    expect(readdirSync(join(repo, '.git/ctx/agents/claude'))).toEqual(['sess-1.json']);
  });

  it('UserPromptSubmit: nothing when nothing is new; each new message and conflict once', async () => {
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')));

    await cliOk(other, ['send', '--to', `${basename(repo)}:main`, 'your test is flaky', '--agent', 'codex']);
    const msg = contextOf(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')), 'UserPromptSubmit');
    expect(msg).toMatch(/^git-ctx: new since your last prompt\./);
    expect(msg).toContain('## New messages (1)');
    expect(msg).toContain('your test is flaky');
    expect(msg).not.toContain('build is red');
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')));

    // Both worktrees change the same lines: a conflict, from the last scan (`git ctx conflicts` just made one).
    writeFiles(repo, { 'src/a.ts': 'export function a() {\n  return 2;\n}\n' });
    writeFiles(other, { 'src/a.ts': 'export function a() {\n  return 3;\n}\n' });
    expect((await cliOk(repo, ['conflicts', '--json'])).json.overlaps.length).toBeGreaterThan(0);
    const conflict = contextOf(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')), 'UserPromptSubmit');
    expect(conflict).toMatch(/^- src\/a\.ts: (merge conflict|hunk overlap|symbol overlap|file overlap) with wb:fix@[0-9a-f]{6}/m);
    expect(conflict).not.toContain('your test is flaky');
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')));
    // Another agent session in the same worktree has not been shown it.
    await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-other'));
    git(repo, ['checkout', '--', 'src/a.ts']);
    git(other, ['checkout', '--', 'src/a.ts']);
  });

  it('UserPromptSubmit never shows again what arrived before the session saw the context (the brief left some out)', async () => {
    const r = makeRepo();
    const w = addWorktree(r, 'wc', 'c');
    for (let i = 0; i < 12; i++) await cliOk(w, ['send', `old message ${i}: ${'words '.repeat(60)}`, '--agent', 'codex']);
    // A small brief shows a few messages whole, lists some and counts the rest.
    const small = contextOf(await ctx(elsewhere, ['agent-hook', 'claude', 'SessionStart', '--budget', '300'], { input: JSON.stringify(claudeInput('SessionStart', r, 'p2')) }), 'SessionStart');
    expect(small).toContain('old message 11');
    expect(small).toMatch(/more not shown/);
    // None of the old ones comes back with a prompt, labelled new.
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', r, 'p2')));
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', r, 'p2')));
    // A new one does, once.
    await cliOk(w, ['send', 'a fresh one', '--agent', 'codex']);
    const fresh = contextOf(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', r, 'p2')), 'UserPromptSubmit');
    expect(fresh).toContain('a fresh one');
    expect(fresh).not.toContain('old message');
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', r, 'p2')));
  });

  it('a message is marked read only once the hook wrote it out in full: a hook whose output could not be delivered leaves it unread', async () => {
    const r = makeRepo();
    const w = addWorktree(r, 'wd', 'd');
    await cliOk(w, ['send', 'deploy is frozen until Monday', '--agent', 'codex']);
    // The agent went away (its end of the pipe is closed) before the hook wrote its answer.
    const child = spawn(process.execPath, [BIN, 'agent-hook', 'claude', 'SessionStart'], { cwd: elsewhere, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    child.stdin.end(JSON.stringify(claudeInput('SessionStart', r, 'lost')));
    await new Promise((res) => child.on('close', res));
    expect(await unread(r, 'lost')).toEqual(['deploy is frozen until Monday']);
    // The next delivery shows it, and only then it is read.
    const brief = contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'lost')), 'SessionStart');
    expect(brief).toContain('deploy is frozen until Monday');
    expect(await unread(r, 'lost')).toEqual([]);
  });

  it('receipts a stopped hook left pending are written by the next hook, and the message is not shown again', async () => {
    const r = makeRepo();
    const w = addWorktree(r, 'we', 'e');
    contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'pend')), 'SessionStart');
    const id = (await cliOk(w, ['send', 'second', '--agent', 'codex', '--json'])).json.id;
    // As if a hook had shown it and been stopped after recording that, before its receipt landed.
    const f = stateFile(r, 'claude', 'pend');
    const state = JSON.parse(readFileSync(f, 'utf8'));
    writeFileSync(f, JSON.stringify({ ...state, shown: { ...state.shown, messages: [id] }, pending: [id], seen: { ...state.seen, tip: git(r, ['rev-parse', 'context']) } }));
    expect(await unread(r, 'pend')).toEqual(['second']);
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', r, 'pend')));
    expect(await unread(r, 'pend')).toEqual([]);
    expect(JSON.parse(readFileSync(f, 'utf8')).pending).toEqual([]);
  });

  it('resume and compaction get what arrived since, not the whole brief again', async () => {
    const r = makeRepo();
    const w = addWorktree(r, 'wf', 'f');
    await cliOk(w, ['add', '-k', 'decision', '-t', 'Use tabs', '-m', 'Tabs, always.', '--agent', 'codex']);
    contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'res')), 'SessionStart');
    silent(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'res', { source: 'resume' })));
    await cliOk(w, ['send', 'rebased main, pull first', '--agent', 'codex']);
    await cliOk(w, ['add', '-k', 'decision', '-t', 'Drop Node 18', '-m', 'Node 20 only.', '--agent', 'codex']);
    const delta = contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'res', { source: 'compact' })), 'SessionStart');
    expect(delta).toMatch(/^git-ctx: since you last saw the shared context \(session compacted\)/);
    expect(delta).not.toContain('# Brief for session');
    expect(delta).toContain('rebased main, pull first');
    expect(delta).toContain('Drop Node 18');
    expect(delta).not.toContain('Use tabs');
    expect(delta.length).toBeLessThan(600 * 4);
    silent(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'res', { source: 'resume' })));
  });

  it('SessionEnd: a handoff written by a background run when the session changed something, none when it did not', async () => {
    const before = await count(repo, 'handoff');
    await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-idle'));
    silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', repo, 'sess-idle')));
    await backgroundDone(repo, 'claude', 'sess-idle');
    expect(await count(repo, 'handoff')).toBe(before);

    await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-work'));
    writeFiles(repo, { 'src/b.ts': 'export const b = 2;\n' });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'b: a second module']);
    silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', repo, 'sess-work')));
    await waitFor('the handoff', async () => (await count(repo, 'handoff')) === before + 1);
    const handoffs = (await cliOk(repo, ['log', '-k', 'handoff', '-n', '1', '--json'])).json.entries;
    expect(handoffs[0]).toMatchObject({ agent: 'claude', to: 'all' });
    expect(handoffs[0].session).toMatch(/^claude-[0-9a-f]{12}$/);
    await backgroundDone(repo, 'claude', 'sess-work');
    // Kept for a resumed session, which starts from here: nothing new, no second handoff.
    expect(JSON.parse(readFileSync(stateFile(repo, 'claude', 'sess-work'), 'utf8')).lastHandoff).toBe(handoffs[0].id);
    silent(await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-work', { source: 'resume' })));
    silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', repo, 'sess-work')));
    await backgroundDone(repo, 'claude', 'sess-work');
    expect(await count(repo, 'handoff')).toBe(before + 1);
  });

  it('no handoff for a session whose SessionStart never ran (nothing says what it did)', async () => {
    const r = makeRepo();
    await cliOk(r, ['init']);
    silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', r, 'never-started')));
    // A background run, had the hook started one, is running by now (spawn returns once it runs) and
    // names the session in its arguments: once none does, whatever it would write is written.
    await waitFor('no background run of the session', () => !runningWith('never-started'));
    expect(await count(r, 'handoff')).toBe(0);
  });

  it('the handoff outlives the agent: its process group is killed as soon as the hook returns', async () => {
    const r = makeRepo();
    await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'quit'));
    writeFiles(r, { 'x.txt': 'work\n' });
    // The agent: a process group of its own that starts the hook and is killed the moment it returns.
    const agent = spawn('sh', ['-c', `node "${BIN}" agent-hook claude SessionEnd; kill -KILL 0`], { cwd: elsewhere, env: ENV, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    agent.stdin.end(JSON.stringify(claudeInput('SessionEnd', r, 'quit')));
    await new Promise((res) => agent.on('close', res));
    await waitFor('the handoff', async () => (await count(r, 'handoff')) === 1);
    rmSync(join(r, 'x.txt'));
  });

  it('a background run that never finished is reported in the next brief of the worktree', async () => {
    const r = makeRepo();
    await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'crashed'));
    const f = stateFile(r, 'claude', 'crashed');
    const state = JSON.parse(readFileSync(f, 'utf8'));
    // A hand-over an hour old that nothing cleared: its background run died with the machine.
    writeFileSync(f, JSON.stringify({ ...state, ending: { event: 'SessionEnd', at: new Date(Date.now() - 3_600_000).toISOString(), token: 'x' } }));
    const brief = contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'next')), 'SessionStart');
    expect(brief).toMatch(/^git-ctx: the handoff of session claude-[0-9a-f]{12} at .* was not written \(its background run did not finish\); `git ctx handoff --auto` writes one now\./);
    // Reported once.
    expect(contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', r, 'next2')), 'SessionStart')).not.toContain('was not written');
  });

  it('PreCompact: regenerate writes a context entry, in the background', async () => {
    const contexts = await count(repo, 'context');
    writeFiles(repo, { 'src/c.ts': 'export const c = 3;\n' });
    silent(await hook('claude', 'PreCompact', claudeInput('PreCompact', repo, 'sess-1')));
    await waitFor('the context entry', async () => (await count(repo, 'context')) === contexts + 1);
    expect((await cliOk(repo, ['log', '-k', 'context', '-n', '1', '--json'])).json.entries[0]).toMatchObject({ agent: 'claude', refs: ['src/c.ts'] });
    await backgroundDone(repo, 'claude', 'sess-1');
    rmSync(join(repo, 'src/c.ts'));
  });

  it('Codex: the same answers from the input Codex sends; Stop hands off only once something changed, the newer handoff replacing the older', async () => {
    const r = makeRepo();
    const sid = '019d036d-c7fa-72d2-b6fd-78878bfe34e4';
    const input = { session_id: sid, transcript_path: null, cwd: r, hook_event_name: 'SessionStart', model: 'gpt-5-codex', permission_mode: 'default', source: 'startup' };
    const context = contextOf(await hook('codex', 'SessionStart', input), 'SessionStart');
    expect(context).toMatch(/^# Brief for session codex-[0-9a-f]{12} \(agent codex\)/);
    const prompt = { ...input, hook_event_name: 'UserPromptSubmit', prompt: 'hello', turn_id: 't1' };
    silent(await hook('codex', 'UserPromptSubmit', prompt));
    const stop = { ...input, hook_event_name: 'Stop', turn_id: 't1', stop_hook_active: false, last_assistant_message: 'done' };
    silent(await hook('codex', 'Stop', stop));
    await backgroundDone(r, 'codex', sid);
    expect(await count(r, 'handoff')).toBe(0);
    writeFiles(r, { 'one.txt': '1\n' });
    silent(await hook('codex', 'Stop', stop));
    await backgroundDone(r, 'codex', sid);
    writeFiles(r, { 'two.txt': '2\n' });
    silent(await hook('codex', 'Stop', stop));
    await backgroundDone(r, 'codex', sid);
    expect(await count(r, 'handoff')).toBe(2);
    // Only the newer one waits for the next session.
    const waiting = (await cliOk(r, ['pickup', '--peek', '--json', '--session', 'next'])).json.handoffs;
    expect(waiting).toHaveLength(1);
    expect(waiting[0].body).toContain('two.txt');
    expect(readdirSync(join(r, '.git/ctx/agents/codex'))).toEqual([`${sid}.json`]);
  });

  it('never fails the agent: exit 0 and one line on stderr', async () => {
    const cases: [string, Record<string, unknown> | string, RegExp][] = [
      ['SessionStart', claudeInput('SessionStart', elsewhere, 's'), /^git-ctx: SessionStart hook: skipped: not a git repository/],
      ['SessionStart', '{"session_id": ', /^git-ctx: SessionStart hook: skipped: .*JSON/],
      ['SessionStart', '[1, 2]', /^git-ctx: SessionStart hook: skipped: the hook input is not a JSON object/],
      ['Notification', claudeInput('Notification', repo, 's'), /^git-ctx: Notification hook: skipped: unknown event/],
    ];
    for (const [event, input, stderr] of cases) {
      const r = await hook('claude', event, input);
      expect({ code: r.code, stdout: r.stdout, lines: r.stderr.trimEnd().split('\n').length }).toEqual({ code: 0, stdout: '', lines: 1 });
      expect(r.stderr).toMatch(stderr);
    }
  });
});

describe('agent hooks under load', () => {
  let stop: () => void = () => {};
  afterAll(() => stop());

  it('with both cores busy, every brief is delivered and every handoff lands', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['init']);
    await seed(repo, { count: 3000 });
    await cliOk(repo, ['brief']); // the index, as after any earlier command
    const w = addWorktree(repo, 'wl', 'l');
    await cliOk(w, ['send', 'a message for everyone', '--agent', 'codex']);
    stop = busy();
    const sessions = Array.from({ length: 6 }, (_, i) => `load-${i}`);
    for (const s of sessions) {
      const brief = contextOf(await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, s)), 'SessionStart');
      expect(brief).toMatch(/^# Brief for session/);
      writeFiles(repo, { [`${s}.txt`]: `${s}\n` });
      silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', repo, s)));
    }
    await waitFor('six handoffs', async () => (await count(repo, 'handoff')) === 6, 120_000);
    stop();
  });
});

describe('agent hooks on a store whose index is cold', () => {
  it('cut the brief at their time, say so, and leave the index to a background run', async () => {
    const repo = makeRepo();
    await cliOk(repo, ['init']);
    await seed(repo, { count: 8_000 });
    rmSync(join(repo, '.git/ctx/cache'), { recursive: true, force: true });
    const r = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'cold'), { GIT_CTX_HOOK_CONTENT_MS: '300' });
    expect(contextOf(r, 'SessionStart')).toMatch(/still being indexed \(first use\)/);
    // A line of its own (a fast machine indexes 5,000 entries within the 300 ms, and says so first).
    expect(r.stderr).toMatch(/^git-ctx: SessionStart hook: the context index is still being built/m);
    await waitFor('the index', () => existsSync(join(repo, '.git/ctx/cache/context/v10/head.json')));
    await waitFor('the index builder to finish', () => !existsSync(join(repo, '.git/ctx/tmp/index-warm')));
    // Warm now: the next SessionStart answers with the brief in time.
    const next = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'warm'));
    expect(contextOf(next, 'SessionStart')).toMatch(/^# Brief for session/);
  });
});

describe('titles', () => {
  it('a title taken from a long first line is cut at a word, not inside one', async () => {
    const repo = makeRepo();
    const line = 'Refactored the configuration loader so that environment overrides apply before defaults are merged';
    const e = (await cliOk(repo, ['handoff', '-m', line, '--json'])).json.entry;
    expect(e.title.endsWith('…')).toBe(true);
    expect(line.startsWith(e.title.slice(0, -1))).toBe(true);
    expect(line[e.title.length - 1]).toBe(' ');
  });
});
