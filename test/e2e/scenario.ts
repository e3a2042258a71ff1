/**
 * One scenario, the same for both clients: a user sets git-ctx up in a linked worktree exactly as the
 * README says (`git ctx init --agent <client>`, files committed), another session writes a decision and
 * sends a message, and a real agent session runs three prompts:
 *
 *   P1  the model adds a note through git-ctx's MCP server (loading it through Claude Code's tool
 *       search first when the client defers MCP tools), then ends its turn;
 *       meanwhile the user edits a file, and the other session sends a second message;
 *   P2  the model ends its turn;
 *   P3  the model ends its turn (for Codex, reporting a context past its compaction limit);
 *   the session ends (SessionEnd: a handoff is due);
 *   compaction (Claude Code: `/compact` in the resumed session; Codex: automatic, before the next turn);
 *   P4  in the resumed session, after compaction: the model ends its turn.
 *
 * Everything the assertions need is recorded: the model server's requests and the context branch.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawn } from 'node:child_process';
import { ModelServer, PROMPT_PREFIX, type Reply } from './model-server.js';
import { asArray, bodyText, isObject, newContent, offersToolWithSchema, type Json, type JsonObject, type LoggedRequest } from './requests.js';
import { branchCommits, branchTip, busyLoops, killGroup, makeWorkspace, run, waitFor, type BranchCommit, type RunResult, type Workspace } from './workspace.js';
import type { InstalledClient } from './clients.js';

/** A client process (one prompt, or a stream of them) gets this long before it is killed. */
const PROCESS_MS = 120_000;
/** How long a handoff or a regenerated context may take to land after the hook's event, at most. */
const LAND_MS = 15_000;

export interface Markers {
  /** In a decision written by the other session before the agent starts (the brief lists decisions). */
  decision: string;
  /** In the note the model adds through the MCP server. */
  note: string;
  /** In a message sent by the other session before the agent session starts. */
  messageBefore: string;
  /** In a message sent by the other session after the first prompt. */
  messageDuring: string;
}

export interface Scenario {
  client: InstalledClient['name'];
  load: number;
  ws: Workspace;
  server: ModelServer;
  markers: Markers;
  /** The tip of the context branch before the agent session started, and before its compaction. */
  startTip: string;
  compactTip: string;
  /** The agent's session id (Claude Code's session, Codex's thread). */
  session: string | null;
  /** The turn requests of the first three prompts (all turns: `server.turns()`). */
  beforeCompaction: LoggedRequest[];
  /** Ids (Ctx-Id) of the two messages. */
  messageIds: { before: string; during: string };
  /** The first handoff by the agent after the session started, and the first context entry after compaction (waited for, bounded). */
  handoff: BranchCommit | undefined;
  regenerated: BranchCommit | undefined;
  /** Codex only: git-ctx hooks that Codex listed for the agent's worktree (and the test trusted). */
  codexHooks?: { listed: string[]; trusted: number };
  /** Wall time of each client process, ms. */
  times: Record<string, number>;
  /** What went wrong driving the clients (not an assertion: the tests read the log and the branch). */
  problems: string[];
}

const prompt = (n: number, text: string) => `${PROMPT_PREFIX}${n}: ${text}`;

/** Names of tool calls the model already made in this request's history (Anthropic tool_use, Responses function_call). */
function calledTools(req: LoggedRequest): string[] {
  const out: string[] = [];
  if (req.api === 'anthropic') {
    for (const m of asArray(req.body?.messages).filter(isObject)) {
      if (m.role === 'assistant') for (const b of asArray(m.content).filter(isObject)) if (b.type === 'tool_use') out.push(String(b.name));
    }
  } else {
    for (const it of asArray(req.body?.input).filter(isObject)) {
      if (it.type === 'function_call') out.push(it.namespace ? `${String(it.namespace)}/${String(it.name)}` : String(it.name));
    }
  }
  return out;
}

/** Codex puts an MCP server's tools in a `namespace` tool; its name is derived from the server's. */
function codexNamespace(req: LoggedRequest, tool: string): string | null {
  for (const t of asArray(req.body?.tools).filter(isObject)) {
    if (t.type === 'namespace' && /git.?ctx/i.test(String(t.name)) && asArray(t.tools).filter(isObject).some((x) => x.name === tool)) return String(t.name);
  }
  return null;
}

function responder(client: InstalledClient['name'], markers: Markers): (req: LoggedRequest) => Reply | undefined {
  const noteInput: JsonObject = { kind: 'note', text: `Parser splits on commas only (${markers.note}); quoted fields are not handled yet.` };
  return (req) => {
    const p = req.prompt ?? '';
    // The note is due in the first prompt; a client that starts its MCP servers without waiting for
    // them may not offer the tools yet, so the model adds it in the first of the three prompts that can.
    if ([1, 2, 3].some((n) => p.startsWith(prompt(n, '')))) {
      if (client === 'claude') {
        const add = 'mcp__git-ctx__ctx_add';
        const called = calledTools(req);
        if (!called.includes(add)) {
          if (offersToolWithSchema(req, add)) return { tool: add, input: noteInput };
          // Claude Code defers MCP tools behind its tool search: load the schema first, as a model does.
          if (offersToolWithSchema(req, 'ToolSearch') && bodyText(req).includes(add) && !called.includes('ToolSearch')) return { tool: 'ToolSearch', input: { query: `select:${add}`, max_results: 5 } };
        }
      } else {
        const ns = codexNamespace(req, 'ctx_add');
        if (ns && !calledTools(req).some((t) => t.endsWith('/ctx_add'))) return { tool: 'ctx_add', namespace: ns, input: noteInput };
      }
    }
    // Codex compacts before the next turn once a reply reports more tokens than its limit.
    if (p.startsWith(prompt(3, '')) && client === 'codex') return { text: 'Reviewed.', bigUsage: true };
    return { text: 'Done.' };
  };
}

/** Find the message entry whose text holds `marker`; its Ctx-Id. */
function messageId(ws: Workspace, marker: string): string {
  const c = branchCommits(ws, null).find((x) => x.kind === 'message' && x.entryText.includes(marker));
  if (!c) throw new Error(`the message ${marker} is not on the context branch`);
  return c.id;
}

export interface ScenarioOptions {
  client: InstalledClient;
  /** Busy-loop processes to run during the scenario (0: idle). */
  load: number;
}

export async function runScenario(opts: ScenarioOptions): Promise<Scenario> {
  const { client } = opts;
  const tag = randomBytes(4).toString('hex');
  const markers: Markers = { decision: `DECISION-${tag}`, note: `NOTE-${tag}`, messageBefore: `MSGA-${tag}`, messageDuring: `MSGB-${tag}` };
  const keep = !!process.env.GIT_CTX_KEEP_TEST_REPOS;
  const server = await new ModelServer().start();
  const ws = makeWorkspace({ proxy: server.url, keep });
  const logDir = join(ws.root, 'logs');
  mkdirSync(logDir);
  server.logTo(join(logDir, 'model-requests.jsonl'));
  server.respond = responder(client.name, markers);
  const times: Record<string, number> = {};
  const problems: string[] = [];
  const note = (name: string, r: RunResult) => {
    times[name] = Math.round(r.ms);
    appendFileSync(join(logDir, `${name}.out`), `exit ${r.code} ${r.signal ?? ''}${r.timedOut ? ' (timed out)' : ''} in ${Math.round(r.ms)} ms\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n`);
    if (r.code !== 0 || r.timedOut) problems.push(`${name}: exit ${r.code}${r.timedOut ? ' (timed out)' : ''}: ${r.stderr.slice(-500)}`);
  };
  const load = opts.load ? busyLoops(opts.load) : null;
  let ok = false;
  try {
    // The user's set-up, in the agent's linked worktree, committed as a team would.
    ws.ctx(ws.agent, ['init', '--agent', client.name]);
    ws.git(ws.agent, ['add', '-A']);
    ws.git(ws.agent, ['commit', '-q', '-m', `Set up git-ctx for ${client.name}`]);
    ws.ctx(ws.other, ['add', '-k', 'decision', '-t', 'Keep the parser streaming', '-m', `We keep the parser streaming, no full buffering (${markers.decision}).`]);
    ws.ctx(ws.other, ['send', '-t', 'Parser review wanted', `Please review src/parser.ts before Friday (${markers.messageBefore}).`]);
    const startTip = branchTip(ws)!;
    const betweenPrompts = () => {
      // The user edits a file (the session's work), and the other session sends a second message.
      writeFileSync(join(ws.agent, 'src/parser.ts'), 'export function parse(s: string): string[] {\n  return s.split(",").map((x) => x.trim());\n}\n');
      ws.ctx(ws.other, ['send', '-t', 'Schema changed', `The schema of the config file changed, see docs (${markers.messageDuring}).`]);
    };
    const drive = client.name === 'claude' ? driveClaude : driveCodex;
    const driven = await drive({ client, ws, server, startTip, betweenPrompts, note, problems });
    const s: Scenario = {
      client: client.name,
      load: opts.load,
      ws,
      server,
      markers,
      startTip,
      compactTip: driven.compactTip,
      session: driven.session,
      beforeCompaction: driven.beforeCompaction,
      messageIds: { before: messageId(ws, markers.messageBefore), during: messageId(ws, markers.messageDuring) },
      codexHooks: driven.codexHooks,
      handoff: driven.handoff,
      regenerated: driven.regenerated,
      times,
      problems,
    };
    writeFileSync(join(logDir, 'summary.json'), `${JSON.stringify({ ...s, ws: undefined, server: undefined, beforeCompaction: s.beforeCompaction.map((r) => r.seq) }, null, 2)}\n`);
    writeFileSync(join(logDir, 'requests.txt'), digest(server.requests));
    ok = true;
    return s;
  } finally {
    load?.stop();
    if (!ok) {
      // The caller gets no scenario to clean up after.
      writeFileSync(join(logDir, 'requests.txt'), digest(server.requests));
      await server.close();
      await ws.remove();
    }
  }
}

interface DriveInput {
  client: InstalledClient;
  ws: Workspace;
  startTip: string;
  server: ModelServer;
  betweenPrompts: () => void;
  note: (name: string, r: RunResult) => void;
  problems: string[];
}

interface Driven {
  session: string | null;
  compactTip: string;
  beforeCompaction: LoggedRequest[];
  handoff?: BranchCommit;
  regenerated?: BranchCommit;
  codexHooks?: { listed: string[]; trusted: number };
}

/** Wait (bounded) for a commit of `kind` by `agent` after `since`; undefined when none landed. */
function landed(ws: Workspace, since: string, kind: string, agent: string): Promise<BranchCommit | undefined> {
  return waitFor(() => branchCommits(ws, since).find((c) => c.kind === kind && c.agent === agent), LAND_MS);
}

/**
 * Claude Code: one `claude -p` process fed three prompts as stream-json on stdin (one interactive-like
 * session: SessionStart once, UserPromptSubmit per prompt, SessionEnd when stdin closes), then
 * `claude -p --resume <id> /compact`, then `claude -p --resume <id>` with the fourth prompt.
 */
async function driveClaude({ client, ws, server, startTip, betweenPrompts, note, problems }: DriveInput): Promise<Driven> {
  const env: Record<string, string> = {
    ...ws.env,
    CLAUDE_CONFIG_DIR: join(ws.home, '.claude'),
    ANTHROPIC_BASE_URL: server.url,
    ANTHROPIC_API_KEY: 'e2e-fake-key',
    CLAUDE_CODE_MAX_OUTPUT_TOKENS: '1024',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  // Headless Claude Code asks nobody: the user allows git-ctx's MCP tools for the session.
  const allow = ['--allowedTools', 'mcp__git-ctx'];
  const t0 = performance.now();
  const child = spawn(client.command[0]!, [...client.command.slice(1), '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', ...allow], {
    cwd: ws.agent,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  let session: string | null = null;
  const waiting: ((line: JsonObject | null) => void)[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  exited.then(() => waiting.splice(0).forEach((w) => w(null)));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    stdout += `${line}\n`;
    let v: Json;
    try {
      v = JSON.parse(line) as Json;
    } catch {
      return;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) return;
    if (typeof v.session_id === 'string') session = v.session_id;
    if (v.type === 'result') waiting.shift()?.(v);
  });
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
  child.stdin!.on('error', () => {});
  const timer = setTimeout(() => killGroup(child), PROCESS_MS);
  const ask = async (text: string) => {
    const result = new Promise<JsonObject | null>((resolve) => waiting.push(resolve));
    child.stdin!.write(`${JSON.stringify({ type: 'user', message: { role: 'user', content: text } })}\n`);
    const r = await result;
    if (!r) problems.push(`claude stream: no result for ${text.slice(0, 20)}`);
    else if (r.is_error === true) problems.push(`claude stream: error result for ${text.slice(0, 20)}: ${JSON.stringify(r).slice(0, 300)}`);
  };
  try {
    await ask(prompt(1, 'Record in the shared context what you found about the parser.'));
    betweenPrompts();
    await ask(prompt(2, 'Go on with the parser.'));
    await ask(prompt(3, 'Check the tests of the parser.'));
  } finally {
    child.stdin!.end();
  }
  const exit = await exited;
  clearTimeout(timer);
  note('claude-session', { code: exit.code, signal: exit.signal, stdout, stderr, ms: performance.now() - t0, timedOut: false });
  const handoff = await landed(ws, startTip, 'handoff', 'claude');
  const beforeCompaction = server.turns();
  const compactTip = branchTip(ws)!;
  if (!session) {
    problems.push('claude: no session id in the stream output');
    return { session, compactTip, beforeCompaction, handoff };
  }
  // The prompt right after -p: --allowedTools takes every word after it.
  note('claude-compact', await run([...client.command, '-p', '/compact', '--resume', session, '--output-format', 'json', ...allow], { cwd: ws.agent, env, timeoutMs: PROCESS_MS }));
  const regenerated = await landed(ws, compactTip, 'context', 'claude');
  note('claude-p4', await run([...client.command, '-p', prompt(4, 'Where were we?'), '--resume', session, '--output-format', 'json', ...allow], { cwd: ws.agent, env, timeoutMs: PROCESS_MS }));
  return { session, compactTip, beforeCompaction, handoff, regenerated };
}

/**
 * Codex: `codex exec` for the first prompt, `codex exec resume <thread>` for each later one. Trust is
 * set up as a user does it: the project trusted in the user's config (what `codex exec --trust` writes),
 * git-ctx's hooks reviewed and trusted (what /hooks in the TUI does, through the same app-server
 * calls), and git-ctx's MCP tools approved for non-interactive runs (`codex exec` never asks; without
 * this every call is refused).
 */
async function driveCodex({ client, ws, server, startTip, betweenPrompts, note, problems }: DriveInput): Promise<Driven> {
  const codexHome = join(ws.home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const main = ws.main;
  writeFileSync(
    join(codexHome, 'config.toml'),
    [
      'model = "gpt-e2e"',
      'model_provider = "e2e"',
      'check_for_update_on_startup = false',
      // The scripted model reports 180k tokens after the third prompt: compaction before the fourth.
      'model_auto_compact_token_limit = 100000',
      '',
      '[model_providers.e2e]',
      'name = "E2E scripted model"',
      `base_url = "${server.url}/v1"`,
      'wire_api = "responses"',
      'env_key = "E2E_MODEL_KEY"',
      'request_max_retries = 0',
      'stream_max_retries = 0',
      '',
      '[analytics]',
      'enabled = false',
      '',
      // Plugins sync from github.com and chatgpt.com at start-up: nothing but 127.0.0.1 here.
      '[features]',
      'plugins = false',
      '',
      `[projects."${main}"]`,
      'trust_level = "trusted"',
      '',
    ].join('\n'),
  );
  const env: Record<string, string> = { ...ws.env, CODEX_HOME: codexHome, E2E_MODEL_KEY: 'e2e-fake-key' };
  const codexHooks = await trustCodexHooks(client, ws.agent, env, problems);
  // `codex exec` never asks: without an approval mode every call of git-ctx's tools is refused ("MCP tool
  // call requires approval, but approval policy is never"). Given per run: a `[mcp_servers.git-ctx]`
  // table in the user's config.toml without a command makes Codex refuse to write that file (the hook
  // trust above), as an invalid transport.
  const approve = ['-c', 'mcp_servers.git-ctx.default_tools_approval_mode="approve"'];
  const exec = (name: string, args: string[]) => run([...client.command, 'exec', '--json', ...approve, ...args], { cwd: ws.agent, env, timeoutMs: PROCESS_MS }).then((r) => (note(name, r), r));
  const first = await exec('codex-p1', [prompt(1, 'Record in the shared context what you found about the parser.')]);
  const thread = /"thread_id":"([^"]+)"/.exec(first.stdout)?.[1] ?? null;
  betweenPrompts();
  if (!thread) {
    problems.push('codex: no thread id in the output of exec');
    return { session: null, compactTip: branchTip(ws)!, beforeCompaction: server.turns(), codexHooks };
  }
  await exec('codex-p2', ['resume', thread, prompt(2, 'Go on with the parser.')]);
  await exec('codex-p3', ['resume', thread, prompt(3, 'Check the tests of the parser.')]);
  const beforeCompaction = server.turns();
  const compactTip = branchTip(ws)!;
  await exec('codex-p4', ['resume', thread, prompt(4, 'Where were we?')]);
  // Every `codex exec` ends its session (SessionEnd): any handoff since the start counts, so one bounded
  // wait after the last prompt serves both checks.
  const find = () => {
    const handoff = branchCommits(ws, startTip).find((c) => c.kind === 'handoff' && c.agent === 'codex');
    const regenerated = branchCommits(ws, compactTip).find((c) => c.kind === 'context' && c.agent === 'codex');
    return { handoff, regenerated };
  };
  // No git-ctx hook that Codex lists can write anything: nothing to wait for.
  const both = await waitFor(
    () => {
      const f = find();
      return f.handoff && f.regenerated ? f : undefined;
    },
    codexHooks.listed.length ? LAND_MS : 0,
  );
  return { session: thread, compactTip, beforeCompaction, codexHooks, ...(both ?? find()) };
}

/**
 * Trust git-ctx's hooks the way Codex's /hooks screen does: ask `codex app-server` which hooks apply
 * to the worktree (`hooks/list`), then record the trust of git-ctx's ones (`config/batchWrite` of their
 * current hash into the user's config). Returns the git-ctx hooks listed and how many are trusted after.
 */
async function trustCodexHooks(client: InstalledClient, cwd: string, env: Record<string, string>, problems: string[]): Promise<{ listed: string[]; trusted: number }> {
  const child = spawn(client.command[0]!, [...client.command.slice(1), 'app-server'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  const pending = new Map<number, (v: JsonObject) => void>();
  let next = 0;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const m = JSON.parse(line) as Json;
      if (isObject(m) && typeof m.id === 'number') pending.get(m.id)?.(m);
    } catch {
      /* not JSON-RPC */
    }
  });
  child.stderr!.resume();
  child.stdin!.on('error', () => {});
  const call = (method: string, params: Json) =>
    new Promise<JsonObject>((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => reject(new Error(`codex app-server: no answer to ${method} in 30 s`)), 30_000);
      pending.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
      child.stdin!.write(`${JSON.stringify({ method, id, params })}\n`);
    });
  type Hook = { key: string; command: string; currentHash: string; trustStatus: string };
  const ours = async (): Promise<Hook[]> => {
    const r = await call('hooks/list', { cwds: [cwd] });
    const entries = asArray(isObject(r.result) ? r.result.data : undefined).filter(isObject);
    return entries
      .flatMap((e) => asArray(e.hooks).filter(isObject))
      .map((h) => ({ key: String(h.key), command: String(h.command ?? ''), currentHash: String(h.currentHash), trustStatus: String(h.trustStatus) }))
      .filter((h) => h.command.startsWith('git-ctx agent-hook'));
  };
  try {
    await call('initialize', { clientInfo: { name: 'git-ctx-e2e', version: '1' }, capabilities: null });
    child.stdin!.write(`${JSON.stringify({ method: 'initialized' })}\n`);
    const listed = await ours();
    const edits = listed.filter((h) => h.trustStatus !== 'trusted').map((h) => ({ keyPath: 'hooks.state', value: { [h.key]: { trusted_hash: h.currentHash } }, mergeStrategy: 'upsert' }));
    if (edits.length) {
      const w = await call('config/batchWrite', { edits });
      if (w.error) problems.push(`codex config/batchWrite: ${JSON.stringify(w.error)}`);
    }
    const after = await ours();
    return { listed: listed.map((h) => h.command), trusted: after.filter((h) => h.trustStatus === 'trusted').length };
  } catch (e) {
    problems.push(`trusting Codex hooks: ${(e as Error).message}`);
    return { listed: [], trusted: 0 };
  } finally {
    child.stdin!.end();
    killGroup(child);
  }
}

/** For a person reading a kept run (GIT_CTX_KEEP_TEST_REPOS=1): each request, and what each turn added to the context. */
function digest(requests: readonly LoggedRequest[]): string {
  const fresh = newContent(requests);
  const lines: string[] = [];
  for (const r of requests) {
    lines.push(`#${r.seq} ${r.method} ${r.path} session=${r.session ?? '-'} turn=${r.turn} prompt=${JSON.stringify((r.prompt ?? '').slice(0, 40))}`);
    for (const it of fresh.get(r) ?? []) lines.push(`    + ${it.replace(/\s+/g, ' ').slice(0, 300)}`);
  }
  return `${lines.join('\n')}\n`;
}
