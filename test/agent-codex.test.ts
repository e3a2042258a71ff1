/**
 * `init --agent codex` where Codex will read it: in a linked worktree, and beside a config.toml the
 * user wrote by hand. Black-box: the real bundle, real worktrees, the files Codex reads.
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { addWorktree, makeRepo } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';

describe('git ctx init --agent codex', () => {
  it('codex in a linked worktree: the hooks go where Codex reads them, the main worktree\'s .codex/hooks.json', async () => {
    const repo = makeRepo();
    const linked = addWorktree(repo, 'wcodex', 'feature');
    const r = await cliOk(linked, ['init', '--agent', 'codex', '--json']);
    expect(r.json.agent.files.map((f: any) => [f.path, f.action])).toEqual([[relative(realpathSync(linked), join(realpathSync(repo), '.codex/hooks.json')), 'create'], ['.codex/config.toml', 'create'], ['AGENTS.md', 'create']]);
    expect(JSON.parse(readFileSync(join(repo, '.codex/hooks.json'), 'utf8')).hooks.SessionStart[0].hooks[0].command).toBe('git-ctx agent-hook codex SessionStart');
    expect(existsSync(join(linked, '.codex/hooks.json'))).toBe(false);
    // The linked worktree has a .codex/ of its own (Codex loads a project layer only from one).
    expect(existsSync(join(linked, '.codex/config.toml'))).toBe(true);
    const human = await cliOk(linked, ['init', '--agent', 'codex']);
    expect(human.stdout).toMatch(/trust/);
    expect(human.stdout).toMatch(/--dangerously-bypass-hook-trust/);
  });

  it('codex: a config.toml that declares git-ctx inline under [mcp_servers] is left valid and as it was', async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, '.codex'));
    const mine = `[mcp_servers]\ngit-ctx = { command = "git-ctx", args = ["mcp"] }\n`;
    writeFileSync(join(repo, '.codex/config.toml'), mine);
    const r = await cliOk(repo, ['init', '--agent', 'codex']);
    expect(r.stderr).toMatch(/configures \[mcp_servers\.git-ctx\] already/);
    expect(readFileSync(join(repo, '.codex/config.toml'), 'utf8')).toBe(mine);
    const inline = `mcp_servers = { docs = { command = "docs-mcp" } }\n`;
    writeFileSync(join(repo, '.codex/config.toml'), inline);
    const refused = await cli(repo, ['init', '--agent', 'codex', '--json']);
    expect([refused.code, refused.json.error.code]).toEqual([2, 'E_AGENT_CONFIG']);
    expect(readFileSync(join(repo, '.codex/config.toml'), 'utf8')).toBe(inline);
  });

});
