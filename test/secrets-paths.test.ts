/**
 * Storage invariant 7 on every way text comes in: a secret is screened in the whole text it arrived in,
 * before a title, an excerpt or a commit subject is cut from it. After each command, every object of
 * the repository (`git cat-file --batch-all-objects --batch`) and every other file under .git is
 * searched for the secret and for any 12-character piece of it: a token cut to 29 of its 36 characters
 * is as much a leak as the whole one.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { BIN, ENV, git, makeRepo, writeFiles } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { Gen, rng } from './helpers/secret-samples.js';

/** Everything git holds, as git hands it out, and every other file under .git. */
function everything(repo: string): string {
  const objects = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], { cwd: repo, env: ENV, maxBuffer: 1 << 30 });
  const parts: Buffer[] = [objects];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (p === join(repo, '.git', 'objects')) continue;
      if (statSync(p).isDirectory()) walk(p);
      else parts.push(readFileSync(p));
    }
  };
  walk(join(repo, '.git'));
  return Buffer.concat(parts).toString('latin1');
}

/** The 12-character pieces of a secret (every 4th start): any of them in an object is a leak. */
function pieces(secret: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 12 <= secret.length; i += 4) out.push(secret.slice(i, i + 12));
  return out;
}

/** The secrets (by name) of which some piece reached the repository. */
function leaked(repo: string, secrets: Record<string, string>): string[] {
  const all = everything(repo);
  return Object.entries(secrets)
    .filter(([, s]) => pieces(s).some((p) => all.includes(p)))
    .map(([name]) => name);
}

const g = new Gen(rng(15));
const token = () => `ghp_${g.alnum(36)}`;
/** A line long enough that an 80-character title cuts the token at the end of it. */
const longLine = (t: string) => `CI failed at step deploy-production because the pipeline used ${t} which was revoked`;

/** An ed25519 key in OpenSSH form: five lines between BEGIN and END, the first one the format's fixed header. */
function opensshKey(): { block: string; secretLines: string[] } {
  const lines = ['b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW', g.b64(70), g.b64(70), g.b64(70), `${g.b64(40)}==`];
  const armour = (edge: string) => `-----${edge} OPENSSH ${['PRIVATE', 'KEY'].join(' ')}-----`;
  return { block: [armour('BEGIN'), ...lines, armour('END')].join('\n'), secretLines: lines.slice(1) };
}

function junitWith(message: string): string {
  const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="2" failures="1">
  <testsuite name="keys.test.js" tests="2" failures="1">
    <testcase classname="keys" name="loads the deploy key" time="0.01">
      <failure message="key rejected" type="AssertionError">${esc(message)}</failure>
    </testcase>
    <testcase classname="keys" name="passes" time="0.01"/>
  </testsuite>
</testsuites>
`;
}

describe('a title taken from a long first line is screened before it is cut', () => {
  it('add (-m, -F, stdin), send and handoff -m: no piece of the token in any object; scan is clean', async () => {
    const repo = makeRepo();
    const secrets: Record<string, string> = {};
    const ids: string[] = [];
    const run = async (name: string, args: string[], input?: string) => {
      const r = await cliOk(repo, [...args, '--json'], input === undefined ? {} : { input });
      ids.push(r.json.id ?? r.json.entry?.id);
      return r;
    };
    secrets['add -m'] = token();
    const added = await run('add -m', ['add', '-m', longLine(secrets['add -m'])]);
    expect(added.json.entry.title).toContain('[REDACTED:github-pat]');
    expect(added.json.redactions.map((x: any) => `${x.field}:${x.kind}`)).toEqual(['title:github-pat', 'body:github-pat']);
    secrets['add -F'] = token();
    writeFileSync(join(repo, 'note.md'), `${longLine(secrets['add -F'])}\n\nmore text\n`);
    await run('add -F', ['add', '-F', 'note.md']);
    secrets['add stdin'] = token();
    await run('add stdin', ['add'], `${longLine(secrets['add stdin'])}\n`);
    secrets.send = token();
    await run('send', ['send', longLine(secrets.send)]);
    secrets['handoff -m'] = token();
    await run('handoff -m', ['handoff', '-m', longLine(secrets['handoff -m'])]);

    expect(leaked(repo, secrets)).toEqual([]);
    const subjects = git(repo, ['log', '--format=%s', 'context']);
    expect(subjects).toContain('[REDACTED:');
    const scan = await cli(repo, ['scan', '--json']);
    expect(scan.json).toMatchObject({ clean: true, findings: [] });
  });
});

describe('test-log failure text is screened whole before its first lines are taken', () => {
  for (const command of ['regenerate', 'handoff'] as const) {
    it(`${command} --test-log: no line of a private key in a failure message reaches an object`, async () => {
      const repo = makeRepo({ files: { 'keys.test.js': 'test("loads the deploy key", () => {});\n' } });
      // One key printed as a config object on the message's first line (JSON-escaped, longer than a
      // message line is kept), another as lines of its own after it.
      const inline = opensshKey();
      const key = opensshKey();
      const t = token();
      const config = JSON.stringify({ host: 'deploy.example.com', key: `${inline.block}\n` });
      writeFiles(repo, { 'junit.xml': junitWith(`AssertionError: key rejected for ${config}\n${key.block}\nretried with ${t}\n    at Object.<anonymous> (keys.test.js:3:9)`) });
      const args = command === 'regenerate' ? ['regenerate', '--test-log', 'junit.xml', '--json'] : ['handoff', '-m', 'keys are broken', '--test-log', 'junit.xml', '--json'];
      const r = await cliOk(repo, args);
      const secrets = Object.fromEntries([...key.secretLines.map((l, i) => [`key line ${i + 1}`, l]), ...inline.secretLines.map((l, i) => [`inline key line ${i + 1}`, l]), ['token', t]]);
      expect(leaked(repo, secrets)).toEqual([]);
      // The failure is still there, the key redacted whole.
      const body = r.json.body ?? r.json.entry.body;
      expect(body).toContain('loads the deploy key');
      if (command === 'regenerate') expect(body).toContain('[REDACTED:private-key]');
      expect(body).not.toContain('BEGIN OPENSSH');
    });
  }
});

describe('what is printed is screened like what is written', () => {
  it('regenerate --dry-run and --json print no secret from commit subjects, paths or failure messages', async () => {
    const repo = makeRepo();
    const t = token();
    const key = opensshKey();
    writeFiles(repo, { 'app.js': 'x\n', 'junit.xml': junitWith(`Error: bad key\n${key.block}`) });
    git(repo, ['add', 'app.js']);
    git(repo, ['commit', '-q', '-m', `use ${t} for the release upload`]);
    for (const extra of [['--dry-run'], ['--dry-run', '--json']]) {
      const r = await cliOk(repo, ['regenerate', '--since', 'HEAD~1', '--test-log', 'junit.xml', ...extra]);
      for (const s of [t, ...key.secretLines]) for (const p of pieces(s)) expect(r.stdout).not.toContain(p);
      expect(r.stdout).toContain('[REDACTED:github-pat]');
    }
  });
});

describe('scan finds partial leaks too', () => {
  it('names an entry whose title holds a token cut short (as an older version wrote it)', async () => {
    const repo = makeRepo();
    const t = token();
    // What an older version stored: the first line cut to 79 characters before redaction.
    const cut = `${longLine(t).slice(0, 79)}…`;
    const old = await cliOk(repo, ['add', '--json', '--allow-secrets', '-t', cut, '-m', 'see title']);
    await cliOk(repo, ['add', '-m', 'a clean entry']);
    const scan = await cli(repo, ['scan', '--json']);
    expect(scan.code).toBe(1);
    const blob = scan.json.findings.find((f: any) => f.object === 'blob');
    expect(blob).toMatchObject({ id: old.json.id });
    expect(blob.secrets).toContainEqual(expect.objectContaining({ kind: 'github-pat', partial: true }));
    const human = await cli(repo, ['scan']);
    expect(human.stdout).toContain('part of a github-pat');
    expect(human.stdout + human.stderr).not.toContain(t.slice(4, 20));
  });
});

describe('every write path', () => {
  it('title, tag, ref, topic and the MCP server\'s ctx_add: no piece of a secret in any object', async () => {
    const repo = makeRepo();
    const secrets = { title: token(), tag: `glpat-${g.b64url(20)}`, ref: `npm_${g.alnum(36)}`, topic: `xoxb-${g.digits(11)}-${g.digits(13)}-${g.alnum(24)}`, body: `sk_live_${g.alnum(30)}` };
    const r = await cliOk(repo, ['add', '--json', '-t', `release blocked by ${secrets.title}`, '--tag', secrets.tag, '--ref', `config/${secrets.ref}.env`, '--topic', secrets.topic, '-m', `STRIPE_KEY=${secrets.body}`]);
    expect(new Set(r.json.redactions.map((x: any) => x.field))).toEqual(new Set(['title', 'tags[0]', 'refs[0]', 'topic', 'body']));

    const mcpSecrets = { text: `AKIA${g.pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, title: token(), tag: `hf_${g.letters(34)}` };
    const client = new Client({ name: 'git-ctx-test', version: '1' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', '--client', 'claude'], cwd: repo, env: ENV, stderr: 'pipe' }));
    try {
      const res = await client.callTool({ name: 'ctx_add', arguments: { text: `${longLine(mcpSecrets.title)}\n\naws_access_key_id = ${mcpSecrets.text}`, tags: [mcpSecrets.tag] } });
      expect(res.isError).not.toBe(true);
    } finally {
      await client.close();
    }
    expect(leaked(repo, { ...secrets, ...Object.fromEntries(Object.entries(mcpSecrets).map(([k, v]) => [`mcp ${k}`, v])) })).toEqual([]);
    expect((await cli(repo, ['scan', '--json'])).json.clean).toBe(true);
  });
});
