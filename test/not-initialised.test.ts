/**
 * "Context not initialised" (exit 3): the commands that only read the context (log, show, search)
 * say so, with what to do, instead of an empty answer that looks like an empty context. Writes create
 * the branch; the session protocol (brief, pickup, inbox), gc, scan, sessions and every hook take a
 * fresh repository as a normal, empty one.
 */
import { describe, expect, it } from 'vitest';
import { contextTip, ctx, git, makeRepo } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { cloneOf, makeRemote } from './helpers/remote.js';

describe('context not initialised', () => {
  it('log, show and search exit 3 with a hint; nothing is created', async () => {
    const repo = makeRepo();
    for (const args of [['log'], ['show', '01m7yvmwga'], ['search', 'anything']]) {
      const r = await cli(repo, [...args, '--json']);
      expect(r.code, `${args[0]}: ${r.stderr}`).toBe(3);
      expect(r.json.error).toMatchObject({ code: 'E_NO_CONTEXT', data: { branch: 'context', remote: null } });
      expect(r.stderr).toBe('git-ctx: context not initialised: there is no context branch here\nhint: git ctx init creates it (any write does too)\n');
    }
    expect(contextTip(repo)).toBeNull();
  });

  it('in a clone whose remote has a context branch, the hint says to pull it', async () => {
    const remote = makeRemote();
    const a = cloneOf(remote);
    await cliOk(a, ['add', '-m', 'shared']);
    await cliOk(a, ['push']);
    const b = cloneOf(remote);
    const r = await cli(b, ['log', '--json']);
    expect(r.code).toBe(3);
    expect(r.json.error).toMatchObject({ code: 'E_NO_CONTEXT', data: { remote: 'origin/context' } });
    expect(r.stderr).toMatch(/the remote has one: origin\/context.*\nhint: git ctx pull brings it here/);
    await cliOk(b, ['pull']);
    expect((await cliOk(b, ['log', '--json'])).json.entries).toHaveLength(1);
  });

  it('the session protocol, retention, audits, hooks and writes go on as in an empty context', async () => {
    const repo = makeRepo();
    for (const args of [['brief'], ['inbox'], ['pickup', '--peek'], ['pickup'], ['gc', '--dry-run'], ['scan'], ['sessions']]) {
      const r = await cli(repo, args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const hook = await ctx(repo, ['agent-hook', 'claude', 'SessionStart'], { input: JSON.stringify({ session_id: 's1', cwd: repo, hook_event_name: 'SessionStart' }) });
    expect(hook.code).toBe(0);
    expect(contextTip(repo)).toBeNull();
    await cliOk(repo, ['add', '-m', 'first']);
    expect((await cliOk(repo, ['log', '--json'])).json.entries).toHaveLength(1);
    expect(git(repo, ['rev-list', '--count', 'context'])).toBe('2');
  });
});
