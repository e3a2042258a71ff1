/**
 * The repository as a Claude Code plugin marketplace (.claude-plugin/marketplace.json, plugins/git-ctx):
 * the files are well-formed and point at files that exist, the plugin registers what
 * `init --agent claude` registers, and its commands run as Claude Code runs them (through a shell, with
 * CLAUDE_PLUGIN_ROOT set), with git-ctx installed globally or reached through npx.
 */
import { describe, it, expect } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, ENV, makeRepo, tempDir } from './helpers/repo.js';
import { hookSpecs } from '../src/hooks/agent-install.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const json = (path: string) => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
const pkg = json('package.json');
const marketplace = json('.claude-plugin/marketplace.json');
const pluginDir = join(ROOT, marketplace.plugins[0].source);
const LAUNCHER = join(pluginDir, 'scripts/git-ctx');

/** A bin directory as `npm install -g git-ctx` leaves one: `git-ctx`, a link to the executable. */
function globalInstall(): string {
  const bin = tempDir('git-ctx-bin-');
  symlinkSync(BIN, join(bin, 'git-ctx'));
  return bin;
}

/** Run a hook command of the plugin as Claude Code does: a shell, the plugin's root in the environment. */
function runHook(command: string, input: object, path: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('sh', ['-c', command], { cwd: tempDir(), env: { ...ENV, CLAUDE_PLUGIN_ROOT: pluginDir, PATH: path }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(JSON.stringify(input));
  });
}

describe('the Claude Code plugin', () => {
  it('is listed by a well-formed marketplace, at the version of the package', () => {
    expect(marketplace).toMatchObject({ name: 'git-ctx', owner: { name: expect.any(String) } });
    expect(marketplace.name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);
    expect(marketplace.plugins).toHaveLength(1);
    const entry = marketplace.plugins[0];
    expect(entry).toMatchObject({ name: 'git-ctx', version: pkg.version });
    expect(entry.source).toMatch(/^\.\//);
    const manifest = JSON.parse(readFileSync(join(pluginDir, '.claude-plugin/plugin.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'git-ctx', version: pkg.version, description: expect.any(String) });
    expect(readFileSync(LAUNCHER, 'utf8')).toContain(`version=${pkg.version}\n`);
    accessSync(LAUNCHER, constants.X_OK);
  });

  it('registers the hooks and the MCP server that `init --agent claude` does, through its launcher', () => {
    const hooks = JSON.parse(readFileSync(join(pluginDir, 'hooks/hooks.json'), 'utf8')).hooks;
    const launcher = '"${CLAUDE_PLUGIN_ROOT}/scripts/git-ctx"';
    expect(Object.keys(hooks)).toEqual(hookSpecs('claude').map((s) => s.event));
    for (const spec of hookSpecs('claude')) {
      expect(hooks[spec.event]).toEqual([{ hooks: [{ type: 'command', command: spec.command.replace(/^git-ctx/, launcher), timeout: spec.timeout }] }]);
    }
    const mcp = JSON.parse(readFileSync(join(pluginDir, '.mcp.json'), 'utf8'));
    expect(mcp).toEqual({ mcpServers: { 'git-ctx': { command: '${CLAUDE_PLUGIN_ROOT}/scripts/git-ctx', args: ['mcp', '--client', 'claude'] } } });
    // Every path the files name exists.
    expect(existsSync(join(pluginDir, 'scripts/git-ctx'))).toBe(true);
    execFileSync('sh', ['-n', LAUNCHER]);
  });

  it('hook commands run with git-ctx installed globally: the brief arrives, and a handoff is written at the end', async () => {
    const repo = makeRepo();
    const path = `${globalInstall()}:${dirname(process.execPath)}:/usr/bin:/bin`;
    const hooks = JSON.parse(readFileSync(join(pluginDir, 'hooks/hooks.json'), 'utf8')).hooks;
    const start = await runHook(hooks.SessionStart[0].hooks[0].command, { session_id: 'plug-1', cwd: repo, hook_event_name: 'SessionStart', source: 'startup' }, path);
    expect(start.code).toBe(0);
    expect(JSON.parse(start.stdout).hookSpecificOutput.additionalContext).toMatch(/^# Brief for session claude-[0-9a-f]{12}/);
    const prompt = await runHook(hooks.UserPromptSubmit[0].hooks[0].command, { session_id: 'plug-1', cwd: repo, hook_event_name: 'UserPromptSubmit', prompt: 'hi' }, path);
    expect(prompt).toEqual({ code: 0, stdout: '', stderr: '' });
    writeFileSync(join(repo, 'new.txt'), 'work\n');
    const end = await runHook(hooks.SessionEnd[0].hooks[0].command, { session_id: 'plug-1', cwd: repo, hook_event_name: 'SessionEnd', reason: 'exit' }, path);
    expect(end.code).toBe(0);
    for (let i = 0; i < 600 && !handoffs(repo); i++) await new Promise((r) => setTimeout(r, 100));
    expect(handoffs(repo)).toBe(1);
  });

  it('the MCP server starts through the launcher and lists its tools', async () => {
    const repo = makeRepo();
    const client = new Client({ name: 'plugin-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: LAUNCHER, args: ['mcp', '--client', 'claude'], cwd: repo, env: { ...ENV, PATH: `${globalInstall()}:${dirname(process.execPath)}:/usr/bin:/bin` }, stderr: 'pipe' }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toContain('ctx_brief');
    } finally {
      await client.close();
    }
  });

  it('without a global install it runs the released version through npx, and never itself', async () => {
    const repo = makeRepo();
    // npx as it behaves once it has the package: runs `git-ctx` with the arguments after the package.
    // The stand-in records what it was asked for; fetching the package is npm's part.
    const bin = tempDir('git-ctx-npx-');
    const log = join(bin, 'calls');
    writeFileSync(join(bin, 'npx'), `#!/bin/sh\necho "$*" >> "${log}"\n[ "$1" = -y ] && shift\nshift\nexec "${process.execPath}" "${BIN}" "$@"\n`);
    chmodSync(join(bin, 'npx'), 0o755);
    // The plugin's own scripts directory on PATH too (a plugin's bin can be): the launcher skips itself.
    const path = `${dirname(LAUNCHER)}:${bin}:${dirname(process.execPath)}:/usr/bin:/bin`;
    const hooks = JSON.parse(readFileSync(join(pluginDir, 'hooks/hooks.json'), 'utf8')).hooks;
    const start = await runHook(hooks.SessionStart[0].hooks[0].command, { session_id: 'plug-2', cwd: repo, hook_event_name: 'SessionStart', source: 'startup' }, path);
    expect(start.code).toBe(0);
    expect(JSON.parse(start.stdout).hookSpecificOutput.additionalContext).toMatch(/^# Brief for session/);
    expect(readFileSync(log, 'utf8')).toBe(`-y git-ctx@${pkg.version} agent-hook claude SessionStart\n`);
    // SessionEnd returns at once and leaves npx to a background run.
    writeFileSync(join(repo, 'new.txt'), 'work\n');
    const t = Date.now();
    const end = await runHook(hooks.SessionEnd[0].hooks[0].command, { session_id: 'plug-2', cwd: repo, hook_event_name: 'SessionEnd', reason: 'exit' }, path);
    expect(end).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(Date.now() - t).toBeLessThan(1500);
    for (let i = 0; i < 600 && !handoffs(repo); i++) await new Promise((r) => setTimeout(r, 100));
    expect(handoffs(repo)).toBe(1);
  });
});

function handoffs(repo: string): number {
  try {
    return execFileSync('git', ['log', '--format=%s', 'context', '--'], { cwd: repo, env: ENV, encoding: 'utf8' })
      .split('\n')
      .filter((s) => s.startsWith('handoff:')).length;
  } catch {
    return 0;
  }
}
