/**
 * `init --agent`: the edits to the agents' configuration files, from realistic existing files (other
 * hooks, permissions, env, MCP servers, TOML tables), and the command around them.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { editBlock, editHooks, editMcpJson, editTomlTable } from '../src/hooks/agent-config.js';
import { AGENTS_MD, hookSpecs } from '../src/hooks/agent-install.js';
import { HOOK_TIMEOUT_S } from '../src/core/agents/agent-events.js';
import { git, makeRepo, userState } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';

const CLAUDE_SETTINGS = `{
  "$schema": "https://json.schemastore.org/claude-code-settings.json",
  "model": "opus",
  "permissions": {
    "allow": ["Bash(npm run test:*)", "Read(~/.zshrc)"],
    "deny": ["Read(./.env)"]
  },
  "env": { "NODE_ENV": "development", "FOO": "bar" },
  "hooks": {
    "PreToolUse": [
      { "matcher": "Bash", "hooks": [{ "type": "command", "command": "~/.claude/hooks/check-bash.sh", "timeout": 30 }] }
    ],
    "SessionStart": [
      { "matcher": "startup", "hooks": [{ "type": "command", "command": "cat .claude/welcome.md" }] }
    ]
  },
  "statusLine": { "type": "command", "command": "~/.claude/statusline.sh" },
  "enabledPlugins": { "formatter@team": true }
}
`;

const MCP_JSON = `{
  "mcpServers": {
    "github": { "type": "http", "url": "https://api.example.com/mcp", "headers": { "Authorization": "Bearer \${GITHUB_TOKEN}" } },
    "db": { "command": "npx", "args": ["-y", "db-mcp"], "env": { "DB_URL": "\${DB_URL:-postgres://localhost/dev}" } }
  }
}
`;

const CODEX_HOOKS = `{
	"description": "team hooks",
	"hooks": {
		"Stop": [{ "hooks": [{ "type": "command", "command": "python3 .codex/hooks/stop.py", "timeout": 30 }] }]
	}
}
`;

const CODEX_TOML = `model = "gpt-5-codex"
approval_policy = "on-request"

[mcp_servers.docs]
command = "docs-mcp"
args = ["--stdio"]

[mcp_servers.docs.env]
DOCS_TOKEN = "x"

[[profiles.fast.rules]]
name = "quick"
`;

const withoutOurs = (text: string) => JSON.parse(editHooks(text, 'f', [], true).text ?? '{}');

describe('hooks in Claude Code and Codex settings', () => {
  const specs = hookSpecs('claude');

  it('adds one handler per event and keeps every key, hook and value already there', () => {
    const { text, warnings } = editHooks(CLAUDE_SETTINGS, '.claude/settings.json', specs, false);
    expect(warnings).toEqual([]);
    const after = JSON.parse(text!);
    // Everything that was there is there, unchanged, in its order.
    const before = JSON.parse(CLAUDE_SETTINGS);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const k of Object.keys(before)) if (k !== 'hooks') expect(after[k]).toEqual(before[k]);
    expect(after.hooks.PreToolUse).toEqual(before.hooks.PreToolUse);
    expect(after.hooks.SessionStart[0]).toEqual(before.hooks.SessionStart[0]);
    // Ours: exactly one per event, with the documented shape.
    for (const s of specs) {
      const ours = after.hooks[s.event].flatMap((g: any) => g.hooks).filter((h: any) => h.command.startsWith('git-ctx agent-hook'));
      expect(ours).toEqual([{ type: 'command', command: `git-ctx agent-hook claude ${s.event}`, timeout: HOOK_TIMEOUT_S[s.event as 'SessionStart'] }]);
    }
    expect(Object.keys(after.hooks)).toEqual(['PreToolUse', 'SessionStart', 'UserPromptSubmit', 'SessionEnd', 'PreCompact']);
    // Lines outside the hooks it touches are the user's, byte for byte.
    expect(text!.startsWith(CLAUDE_SETTINGS.slice(0, CLAUDE_SETTINGS.indexOf('"hooks"')))).toBe(true);
    expect(text!.endsWith(CLAUDE_SETTINGS.slice(CLAUDE_SETTINGS.indexOf('  "statusLine"')))).toBe(true);
  });

  it('is idempotent, and uninstalling restores the file byte for byte', () => {
    const once = editHooks(CLAUDE_SETTINGS, 'f', specs, false).text!;
    expect(editHooks(once, 'f', specs, false).text).toBe(once);
    expect(editHooks(once, 'f', specs, true).text).toBe(CLAUDE_SETTINGS);
    // Tab-indented Codex hooks with a description: the same.
    const codex = editHooks(CODEX_HOOKS, 'f', hookSpecs('codex'), false).text!;
    expect(codex).toContain('\n\t\t"SessionStart": [\n\t\t\t{');
    expect(editHooks(codex, 'f', hookSpecs('codex'), false).text).toBe(codex);
    expect(editHooks(codex, 'f', hookSpecs('codex'), true).text).toBe(CODEX_HOOKS);
    expect(JSON.parse(codex)).toMatchObject({ description: 'team hooks', hooks: { Stop: JSON.parse(CODEX_HOOKS).hooks.Stop } });
  });

  it('creates a file that holds only its hooks, and removes it again', () => {
    const created = editHooks(null, 'f', specs, false).text!;
    expect(Object.keys(JSON.parse(created))).toEqual(['hooks']);
    expect(editHooks(created, 'f', specs, true).text).toBeNull();
  });

  it('updates a handler of its own where it is, drops a second copy, and leaves handlers it shares a group with', () => {
    const old = JSON.stringify({
      hooks: {
        SessionStart: [{ hooks: [{ type: 'command', command: 'echo hi' }, { type: 'command', command: 'git-ctx agent-hook claude SessionStart', timeout: 60 }] }],
        SessionEnd: [{ hooks: [{ type: 'command', command: 'git-ctx agent-hook claude SessionEnd' }] }, { hooks: [{ type: 'command', command: 'git-ctx agent-hook claude SessionEnd' }] }],
      },
    });
    const after = JSON.parse(editHooks(old, 'f', specs, false).text!);
    expect(after.hooks.SessionStart).toEqual([{ hooks: [{ type: 'command', command: 'echo hi' }, { type: 'command', command: 'git-ctx agent-hook claude SessionStart', timeout: 30 }] }]);
    expect(after.hooks.SessionEnd).toEqual([{ hooks: [{ type: 'command', command: 'git-ctx agent-hook claude SessionEnd', timeout: 10 }] }]);
    expect(withoutOurs(JSON.stringify(after))).toEqual({ hooks: { SessionStart: [{ hooks: [{ type: 'command', command: 'echo hi' }] }] } });
  });

  it('declares the timeout each agent enforces (Codex caps SessionEnd at 3 s), and leaves a Stop handler registered by hand', () => {
    expect(hookSpecs('claude').map((h) => [h.event, h.timeout])).toEqual([['SessionStart', 30], ['UserPromptSubmit', 15], ['SessionEnd', 10], ['PreCompact', 10]]);
    expect(hookSpecs('codex').map((h) => [h.event, h.timeout])).toEqual([['SessionStart', 30], ['UserPromptSubmit', 15], ['SessionEnd', 3], ['PreCompact', 10]]);
    const byHand = JSON.stringify({ hooks: { Stop: [{ hooks: [{ type: 'command', command: 'git-ctx agent-hook codex Stop', timeout: 10 }] }] } }, null, 2);
    const after = JSON.parse(editHooks(byHand, 'f', hookSpecs('codex'), false).text!);
    expect(after.hooks.Stop).toEqual(JSON.parse(byHand).hooks.Stop);
  });

  it('refuses files it cannot read as settings, and changes nothing', () => {
    expect(() => editHooks('{ "hooks": ', 'f', specs, false)).toThrow(expect.objectContaining({ code: 'E_AGENT_CONFIG' }));
    expect(() => editHooks('[1]', 'f', specs, false)).toThrow(expect.objectContaining({ code: 'E_AGENT_CONFIG' }));
    expect(() => editHooks('{"hooks": []}', 'f', specs, false)).toThrow(expect.objectContaining({ code: 'E_AGENT_CONFIG' }));
    const odd = '{"hooks": {"SessionStart": "not a list"}}';
    const r = editHooks(odd, 'f', specs, false);
    expect(r.warnings).toEqual(['f: hooks.SessionStart is not a list; left as it is']);
    expect(JSON.parse(r.text!).hooks.SessionStart).toBe('not a list');
  });
});

describe('the MCP server in .mcp.json', () => {
  const server = { type: 'stdio', command: 'git-ctx', args: ['mcp', '--client', 'claude'] };

  it('adds git-ctx beside the servers there, idempotently, and removes only it', () => {
    const once = editMcpJson(MCP_JSON, '.mcp.json', server, false).text!;
    const v = JSON.parse(once);
    expect(Object.keys(v.mcpServers)).toEqual(['github', 'db', 'git-ctx']);
    expect(v.mcpServers.github).toEqual(JSON.parse(MCP_JSON).mcpServers.github);
    expect(v.mcpServers['git-ctx']).toEqual(server);
    expect(editMcpJson(once, '.mcp.json', server, false).text).toBe(once);
    expect(editMcpJson(once, '.mcp.json', server, true).text).toBe(MCP_JSON);
    expect(editMcpJson(editMcpJson(null, 'f', server, false).text, 'f', server, true).text).toBeNull();
  });

  it('keeps what the user added to its entry, and leaves a git-ctx server that is not its own', () => {
    const custom = JSON.stringify({ mcpServers: { 'git-ctx': { command: 'git-ctx', args: ['mcp'], env: { GIT_CTX_AGENT: 'claude-2' } } } }, null, 2);
    expect(JSON.parse(editMcpJson(custom, 'f', server, false).text!).mcpServers['git-ctx']).toEqual({ ...server, env: { GIT_CTX_AGENT: 'claude-2' } });
    const foreign = JSON.stringify({ mcpServers: { 'git-ctx': { command: '/opt/other/server' } } });
    const r = editMcpJson(foreign, '.mcp.json', server, false);
    expect(r.text).toBe(foreign);
    expect(r.warnings[0]).toMatch(/not by git-ctx/);
    expect(editMcpJson(foreign, '.mcp.json', server, true).text).toBe(foreign);
  });
});

describe('the block in .codex/config.toml, checked with a TOML parser', () => {
  const markers = { begin: '# >>> git-ctx >>>', end: '# <<< git-ctx <<<' };
  const body = '[mcp_servers.git-ctx]\ncommand = "git-ctx"\nargs = ["mcp", "--client", "codex"]\n';
  const edit = (before: string | null, uninstall = false) => editTomlTable(before, '.codex/config.toml', markers, 'mcp_servers', 'git-ctx', body, uninstall);

  it('appends one block, is idempotent, and removes exactly it: the rest of the file keeps its bytes', () => {
    const once = edit(CODEX_TOML).text!;
    expect(once.startsWith(CODEX_TOML)).toBe(true);
    expect(once.slice(CODEX_TOML.length)).toBe(`\n${markers.begin}\n${body}${markers.end}\n`);
    expect(edit(once).text).toBe(once);
    expect(edit(once, true).text).toBe(CODEX_TOML);
    expect(edit(edit(null).text, true).text).toBeNull();
    tomlParses(once);
    // A block the user moved up, with their tables after it: left where it is.
    const at = CODEX_TOML.indexOf('[mcp_servers.docs]');
    const moved = `${CODEX_TOML.slice(0, at)}${markers.begin}\n${body}${markers.end}\n${CODEX_TOML.slice(at)}`;
    expect(edit(moved).text).toBe(moved);
    expect(edit(moved, true).text).toBe(CODEX_TOML.slice(0, at).replace(/\n\n$/, '\n') + CODEX_TOML.slice(at));
    // Moved above keys of the user's, which would then belong to git-ctx's table: said, not kept silent.
    const above = `${markers.begin}\n${body}${markers.end}\n${CODEX_TOML}`;
    expect(() => edit(above)).toThrow(expect.objectContaining({ code: 'E_AGENT_CONFIG' }));
  });

  it('leaves a git-ctx server the user wrote, in any of its TOML forms', () => {
    for (const mine of [`${CODEX_TOML}\n[mcp_servers.git-ctx]\ncommand = "my-git-ctx"\n`, `[mcp_servers]\ngit-ctx = { command = "my-git-ctx" }\n`, `mcp_servers."git-ctx".command = "x"\n`]) {
      const r = edit(mine);
      expect(r.text).toBe(mine);
      expect(r.warnings).toEqual([".codex/config.toml configures [mcp_servers.git-ctx] already, outside git-ctx's block; left as it is"]);
    }
  });

  it('refuses, changing nothing, where a table cannot be added: an inline mcp_servers table, invalid TOML', () => {
    const inline = `model = "o3"\nmcp_servers = { docs = { command = "docs-mcp" } }\n`;
    expect(() => edit(inline)).toThrow(expect.objectContaining({ code: 'E_AGENT_CONFIG', message: expect.stringMatching(/cannot add a \[mcp_servers\.git-ctx\] table/) }));
    expect(() => edit('model = \n')).toThrow(expect.objectContaining({ code: 'E_AGENT_CONFIG', message: expect.stringMatching(/is not valid TOML \(line 1/) }));
  });
});

describe('the block in AGENTS.md', () => {
  const markers = { begin: '<!-- >>> git-ctx >>> -->', end: '<!-- <<< git-ctx <<< -->' };
  it('appends one block, replaces it in place when run again, and removes exactly it', () => {
    const md = '# Agents\n\nBe kind.\n';
    const once = editBlock(md, 'f', markers, AGENTS_MD, false).text!;
    expect(editBlock(once, 'f', markers, AGENTS_MD, false).text).toBe(once);
    expect(editBlock(once, 'f', markers, AGENTS_MD, true).text).toBe(md);
  });
});

/** Validate TOML with Python's parser when there is one (the machine image has Python 3.11). */
function tomlParses(text: string): void {
  let python = true;
  try {
    execFileSync('python3', ['-c', 'import tomllib'], { stdio: 'ignore' });
  } catch {
    python = false;
  }
  if (!python) return;
  const out = execFileSync('python3', ['-c', 'import sys, tomllib, json; print(json.dumps(tomllib.loads(sys.stdin.read())))'], { input: text, encoding: 'utf8' });
  expect(JSON.parse(out).mcp_servers['git-ctx']).toEqual({ command: 'git-ctx', args: ['mcp', '--client', 'codex'] });
}

describe('git ctx init --agent', () => {
  it('claude: --dry-run shows the change and writes nothing; install twice is one install; uninstall restores', async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, '.claude'));
    writeFileSync(join(repo, '.claude/settings.json'), CLAUDE_SETTINGS);
    writeFileSync(join(repo, '.mcp.json'), MCP_JSON);
    git(repo, ['add', '-A']);
    git(repo, ['commit', '-q', '-m', 'agent settings']);
    const before = userState(repo);

    const dry = await cliOk(repo, ['init', '--agent', 'claude', '--dry-run']);
    expect(dry.stdout).toContain('--- a/.claude/settings.json\n+++ b/.claude/settings.json');
    expect(dry.stdout).toMatch(/^\+ +"command": "git-ctx agent-hook claude SessionStart",$/m);
    expect(dry.stdout).toMatch(/^\+ +"git-ctx": \{$/m);
    expect(dry.stdout).toContain('would update .claude/settings.json, would update .mcp.json (dry run: nothing written)');
    expect(userState(repo)).toEqual(before);
    expect(git(repo, ['for-each-ref', 'refs/heads/context'])).toBe(''); // not even the branch

    const first = await cliOk(repo, ['init', '--agent', 'claude', '--json']);
    expect(first.json.agent.files.map((f: any) => [f.path, f.action])).toEqual([['.claude/settings.json', 'update'], ['.mcp.json', 'update']]);
    const settings = readFileSync(join(repo, '.claude/settings.json'), 'utf8');
    const mcp = readFileSync(join(repo, '.mcp.json'), 'utf8');
    const second = await cliOk(repo, ['init', '--agent', 'claude', '--json']);
    expect(second.json.agent.files.map((f: any) => f.action)).toEqual(['unchanged', 'unchanged']);
    expect(readFileSync(join(repo, '.claude/settings.json'), 'utf8')).toBe(settings);
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toBe(mcp);

    await cliOk(repo, ['init', '--agent', 'claude', '--uninstall']);
    expect(readFileSync(join(repo, '.claude/settings.json'), 'utf8')).toBe(CLAUDE_SETTINGS);
    expect(readFileSync(join(repo, '.mcp.json'), 'utf8')).toBe(MCP_JSON);
    expect(git(repo, ['status', '--porcelain'])).toBe('');
  });

  it('codex: hooks.json, a block in config.toml and AGENTS.md; uninstall removes the files it created', async () => {
    const repo = makeRepo();
    mkdirSync(join(repo, '.codex'));
    writeFileSync(join(repo, '.codex/config.toml'), CODEX_TOML);
    const r = await cliOk(repo, ['init', '--agent', 'codex', '--json']);
    expect(r.json.agent.files.map((f: any) => [f.path, f.action])).toEqual([['.codex/hooks.json', 'create'], ['.codex/config.toml', 'update'], ['AGENTS.md', 'create']]);
    const hooks = JSON.parse(readFileSync(join(repo, '.codex/hooks.json'), 'utf8'));
    expect(hooks.hooks.SessionEnd).toEqual([{ hooks: [{ type: 'command', command: 'git-ctx agent-hook codex SessionEnd', timeout: 3 }] }]);
    expect(readFileSync(join(repo, 'AGENTS.md'), 'utf8')).toBe(`<!-- >>> git-ctx >>> -->\n${AGENTS_MD}<!-- <<< git-ctx <<< -->\n`);
    tomlParses(readFileSync(join(repo, '.codex/config.toml'), 'utf8'));

    await cliOk(repo, ['init', '--agent', 'codex', '--uninstall']);
    expect(readFileSync(join(repo, '.codex/config.toml'), 'utf8')).toBe(CODEX_TOML);
    expect(existsSync(join(repo, '.codex/hooks.json'))).toBe(false);
    expect(existsSync(join(repo, 'AGENTS.md'))).toBe(false);
  });

  it('refuses an unknown agent, a settings file that is not JSON, and --dry-run without --agent', async () => {
    const repo = makeRepo();
    expect((await cli(repo, ['init', '--agent', 'cursor', '--json'])).json.error.code).toBe('E_AGENT');
    mkdirSync(join(repo, '.claude'));
    writeFileSync(join(repo, '.claude/settings.json'), '{ "model": "opus", }}');
    const bad = await cli(repo, ['init', '--agent', 'claude', '--json']);
    expect([bad.code, bad.json.error.code]).toEqual([2, 'E_AGENT_CONFIG']);
    expect(readFileSync(join(repo, '.claude/settings.json'), 'utf8')).toBe('{ "model": "opus", }}');
    expect(existsSync(join(repo, '.mcp.json'))).toBe(false);
    expect((await cli(repo, ['init', '--dry-run'])).code).toBe(2);
  });
});
