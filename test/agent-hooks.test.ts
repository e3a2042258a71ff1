/**
 * `git ctx agent-hook`: the real bundle fed the JSON Claude Code and Codex document for each hook
 * event on stdin, run from another directory than the project (the project's directory comes from the
 * JSON), with other sessions writing to the same repository. Asserts the exact stdout contract.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { addWorktree, ctx, ctxOk, git, makeRepo, tempDir, writeFiles, type CliResult } from './helpers/repo.js';
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

/**
 * Run a hook. The contract tests give it all the time it needs (a busy machine must not turn them into
 * deadline tests); the deadline has tests of its own, which set it.
 */
function hook(client: string, event: string, input: Record<string, unknown> | string, env: Record<string, string> = {}): Promise<CliResult> {
  return ctx(elsewhere, ['agent-hook', client, event], { input: typeof input === 'string' ? input : JSON.stringify(input), env: { GIT_CTX_HOOK_DEADLINE_MS: '60000', ...env } });
}

/** How long this machine takes to start Node right now (the median of three). */
function nodeStartMs(): number {
  const ms = [0, 1, 2].map(() => {
    const t = Date.now();
    execFileSync(process.execPath, ['-e', '0']);
    return Date.now() - t;
  });
  return ms.sort((a, b) => a - b)[1]!;
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

const count = async (repo: string, kind: string) => (await ctxOk(repo, ['log', '-n', '0', '-k', kind, '--json'])).json.entries.length;

describe('agent hooks', () => {
  let repo: string;
  let other: string;
  const ours = () => `${basename(repo)}:main`;
  beforeAll(async () => {
    repo = makeRepo({ files: { 'src/a.ts': 'export function a() {\n  return 1;\n}\n' } });
    other = addWorktree(repo, 'wb', 'fix');
    await ctxOk(other, ['add', '-k', 'decision', '-t', 'Hand-written lexer', '-m', 'Error messages matter more than speed.', '--agent', 'codex']);
    await ctxOk(other, ['handoff', '-m', 'Lexer half done', '--agent', 'codex']);
    await ctxOk(other, ['send', 'build is red, do not merge', '--agent', 'codex']);
  });

  it('SessionStart: the brief, as additionalContext, for the project and session named on stdin', async () => {
    const expected = (await ctxOk(repo, ['brief', '--agent', 'claude'])).stdout;
    const r = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-1'));
    const context = contextOf(r, 'SessionStart');
    expect(r.stderr).toBe('');
    // The same brief as `git ctx brief` (its first line names the minute it was made).
    expect(context.split('\n').slice(1).join('\n')).toBe(expected.split('\n').slice(1).join('\n'));
    expect(context).toContain('Hand-written lexer');
    expect(context).toContain('build is red, do not merge');
    expect(context).toContain('Lexer half done');
    // The message it showed in full is read now: the next brief and inbox leave it out.
    expect((await ctxOk(repo, ['inbox', '--agent', 'claude', '--json'])).json.messages).toEqual([]);
    expect(readdirSync(join(repo, '.git/ctx/agents/claude'))).toEqual(['sess-1.json']);
  });

  it('UserPromptSubmit: nothing when nothing is new; each new message and conflict once', async () => {
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')));

    await ctxOk(other, ['send', '--to', ours(), 'your test is flaky', '--agent', 'codex']);
    const msg = contextOf(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')), 'UserPromptSubmit');
    expect(msg).toMatch(/^git-ctx: new since your last prompt\./);
    expect(msg).toContain('## New messages (1)');
    expect(msg).toContain('your test is flaky');
    expect(msg).not.toContain('build is red');
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')));

    // Both worktrees change the same lines: a conflict (the scan `git ctx conflicts` just cached is reused).
    writeFiles(repo, { 'src/a.ts': 'export function a() {\n  return 2;\n}\n' });
    writeFiles(other, { 'src/a.ts': 'export function a() {\n  return 3;\n}\n' });
    expect((await ctxOk(repo, ['conflicts', '--json'])).json.overlaps.length).toBeGreaterThan(0);
    const conflict = contextOf(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')), 'UserPromptSubmit');
    expect(conflict).toMatch(/^- src\/a\.ts: (merge conflict|hunk overlap|symbol overlap|file overlap) with wb:fix/m);
    expect(conflict).not.toContain('your test is flaky');
    silent(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-1')));
    // Another agent session in the same worktree has not seen it.
    expect(contextOf(await hook('claude', 'UserPromptSubmit', claudeInput('UserPromptSubmit', repo, 'sess-other')), 'UserPromptSubmit')).toContain('src/a.ts');
    git(repo, ['checkout', '--', 'src/a.ts']);
    git(other, ['checkout', '--', 'src/a.ts']);
  });

  it('SessionEnd: a handoff when the session changed something, none when it did not; nothing on stdout', async () => {
    await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-idle'));
    const before = await count(repo, 'handoff');
    silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', repo, 'sess-idle')));
    expect(await count(repo, 'handoff')).toBe(before);

    await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'sess-work'));
    writeFiles(repo, { 'src/b.ts': 'export const b = 2;\n' });
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'b: a second module']);
    silent(await hook('claude', 'SessionEnd', claudeInput('SessionEnd', repo, 'sess-work')));
    const handoffs = (await ctxOk(repo, ['log', '-k', 'handoff', '-n', '1', '--json'])).json.entries;
    expect(handoffs[0]).toMatchObject({ agent: 'claude', session: ours(), to: 'all' });
    expect(handoffs[0].body).toContain('b: a second module');
    expect(await count(repo, 'handoff')).toBe(before + 1);
    expect(existsSync(join(repo, '.git/ctx/agents/claude/sess-work.json'))).toBe(false);
  });

  it('PreCompact: regenerate writes a context entry; Stop: a handoff only once something changed', async () => {
    const contexts = await count(repo, 'context');
    writeFiles(repo, { 'src/c.ts': 'export const c = 3;\n' });
    silent(await hook('claude', 'PreCompact', claudeInput('PreCompact', repo, 'sess-1')));
    expect(await count(repo, 'context')).toBe(contexts + 1);
    expect((await ctxOk(repo, ['log', '-k', 'context', '-n', '1', '--json'])).json.entries[0]).toMatchObject({ agent: 'claude', refs: ['src/c.ts'] });
    rmSync(join(repo, 'src/c.ts'));

    const handoffs = await count(repo, 'handoff');
    silent(await hook('claude', 'Stop', claudeInput('Stop', repo, 'sess-stop')));
    silent(await hook('claude', 'Stop', claudeInput('Stop', repo, 'sess-stop')));
    expect(await count(repo, 'handoff')).toBe(handoffs + 1);
  });

  it('Codex: the same answers from the input Codex sends, within its output schema', async () => {
    const input = { session_id: '019d036d-c7fa-72d2-b6fd-78878bfe34e4', transcript_path: null, cwd: repo, hook_event_name: 'SessionStart', model: 'gpt-5-codex', permission_mode: 'default', source: 'startup' };
    const context = contextOf(await hook('codex', 'SessionStart', input), 'SessionStart');
    expect(context).toMatch(/^# Brief for session .* \(agent codex\)/);
    const prompt = { ...input, hook_event_name: 'UserPromptSubmit', prompt: 'hello', turn_id: 't1' };
    silent(await hook('codex', 'UserPromptSubmit', prompt));
    expect(readdirSync(join(repo, '.git/ctx/agents/codex'))).toEqual(['019d036d-c7fa-72d2-b6fd-78878bfe34e4.json']);
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
    const late = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 's'), { GIT_CTX_HOOK_DEADLINE_MS: '1' });
    expect({ code: late.code, stdout: late.stdout }).toEqual({ code: 0, stdout: '' });
    expect(late.stderr).toMatch(/^git-ctx: SessionStart hook: gave up after 1 ms \(the agent is not affected\)\n$/);
  });
});

describe('agent hooks on a store whose index is cold', () => {
  it('give up at the deadline, say so, and leave the index to a background run', async () => {
    const repo = makeRepo();
    await ctxOk(repo, ['init']);
    await seed(repo, { count: 8_000 });
    rmSync(join(repo, '.git/ctx/cache'), { recursive: true, force: true });
    // Past the store's opening, well before a cold index of 8k entries is built (~0.7 s on an idle
    // machine); both scale with how busy the machine is, and so does this.
    const deadline = 200 + 3 * nodeStartMs();
    const t = Date.now();
    const r = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'cold'), { GIT_CTX_HOOK_DEADLINE_MS: String(deadline) });
    expect(Date.now() - t).toBeLessThan(deadline + 3000);
    expect(contextOf(r, 'SessionStart')).toMatch(/still being indexed \(first use\)/);
    expect(r.stderr).toMatch(/^git-ctx: SessionStart hook: the context index is still being built/);
    for (let i = 0; i < 300 && !existsSync(join(repo, '.git/ctx/cache/context/v9/head.json')); i++) await new Promise((res) => setTimeout(res, 100));
    for (let i = 0; i < 100 && existsSync(join(repo, '.git/ctx/tmp/index-warm')); i++) await new Promise((res) => setTimeout(res, 100));
    expect(existsSync(join(repo, '.git/ctx/cache/context/v9/head.json'))).toBe(true);
    // Warm now: the next SessionStart answers with the brief in time.
    const next = await hook('claude', 'SessionStart', claudeInput('SessionStart', repo, 'warm'));
    expect(contextOf(next, 'SessionStart')).toMatch(/^# Brief for session/);
  });
});
