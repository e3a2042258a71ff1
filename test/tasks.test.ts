/**
 * Tasks and waves through the real CLI (and the core where a clock must move): a shared queue that
 * concurrent sessions in several worktrees and clones claim exactly once, --after and waves, stale
 * claims taken over, the discovery relay in the brief, and bad input that changes nothing.
 */
import { describe, expect, inject, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addWorktree, BIN, contextTip, ctx, ENV, fsck, git, makeRepo, userState } from './helpers/repo.js';
import { cli, cliOk } from './helpers/cli.js';
import { cloneOf, makeRemote, withCtx } from './helpers/remote.js';
import { realDeps } from './helpers/real-deps.js';
import type { Deps } from '../src/deps.js';
import { openCtx, closeCtx } from '../src/core/context.js';
import { gc } from '../src/core/gc.js';
import { entryPath, serializeEntry } from '../src/model/entry.js';
import { newId } from '../src/model/id.js';
import { markerPath, serializeMarker, settleTask, parseStep, stepPath, type TaskStep } from '../src/model/task.js';

const as = (session: string, agent = 'claude') => ({ env: { GIT_CTX_SESSION: session, GIT_CTX_AGENT: agent } });

/** The step files of every task, read with git alone: task id -> file name -> step. */
function steps(repo: string): Map<string, Map<string, TaskStep>> {
  const out = new Map<string, Map<string, TaskStep>>();
  const list = git(repo, ['ls-tree', '-r', '--name-only', 'context', '--', 'state/tasks']);
  for (const path of list ? list.split('\n') : []) {
    const [, , , , id, name] = path.split('/');
    if (name === 'task') continue; // the marker that the task exists
    const step = parseStep(git(repo, ['show', `context:${path}`]), id!);
    if (!step) throw new Error(`not a step: ${path}`);
    if (!out.has(id!)) out.set(id!, new Map());
    out.get(id!)!.set(name!, step);
  }
  return out;
}

let batch = 0;
async function addTasks(repo: string, n: number, extra: string[] = [], session = 'planner', opts: { deps?: Partial<Deps> } = {}): Promise<string[]> {
  const b = batch++;
  const lines = Array.from({ length: n }, (_, i) => `- [ ] item ${i}${b ? ` of batch ${b}` : ''}`).join('\n');
  const file = join(repo, '..', `todo-${Date.now()}-${Math.random()}.md`);
  writeFileSync(file, `# todo\n\n${lines}\n`);
  return (await cliOk(repo, ['task', 'add', '--from-file', file, ...extra, '--json'], { ...as(session), ...opts })).json.ids;
}

/**
 * A session that claims the next task and finishes it, until nothing is left for it. Half the sessions
 * start a process per command, as a shell does; the other half are one process that stays, as the MCP
 * server does (test/helpers/session-worker.ts runs the same commands through the command line in it).
 */
function worker(cwd: string, session: string, stays: boolean): Promise<{ claimed: string[]; errors: string[] }> {
  return stays ? stayingSession(cwd, session) : processPerCommand(cwd, session);
}

async function processPerCommand(cwd: string, session: string): Promise<{ claimed: string[]; errors: string[] }> {
  const claimed: string[] = [];
  const errors: string[] = [];
  for (let i = 0; i < 200; i++) {
    const r = await ctx(cwd, ['task', 'claim', '--next', '--json'], as(session));
    if (r.code !== 0) {
      errors.push(`claim: ${r.code} ${r.stderr}`);
      break;
    }
    if (r.json.offline) errors.push(`claim decided offline (${r.json.offline}): ${r.stderr}`);
    if (!r.json.claimed.length) break;
    for (const t of r.json.claimed) {
      claimed.push(t.id);
      const d = await ctx(cwd, ['task', 'done', t.id, '-m', `${t.title} finished by ${session}`, '--json'], as(session));
      if (d.code !== 0) errors.push(`done ${t.id}: ${d.code} ${d.stderr}`);
    }
  }
  return { claimed, errors };
}

function stayingSession(cwd: string, session: string): Promise<{ claimed: string[]; errors: string[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(inject('workerDir'), 'session-worker.cjs'), cwd, BIN], { cwd, env: { ...ENV, ...as(session).env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => {
      const lines = out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { claimed?: string; error?: string });
      const errors = lines.flatMap((l) => (l.error ? [l.error] : []));
      if (code !== 0) errors.push(`session process exited ${code}: ${err}`);
      resolve({ claimed: lines.flatMap((l) => (l.claimed ? [l.claimed] : [])), errors });
    });
  });
}

describe('tasks', () => {
  it('add, import a todo file, list, claim, show, done, release, wave: the CLI and its JSON', async () => {
    const repo = makeRepo();
    const before = userState(repo);
    const a = (await cliOk(repo, ['task', 'add', 'map', 'the', 'API', '-m', 'every endpoint', '--wave', '1', '--ref', 'src/api.ts'], as('lead'))).stdout.trim();
    const b = (await cliOk(repo, ['task', 'add', 'write the client', '--wave', '2', '--after', a.slice(0, 12), '--to', 'codex', '--json'], as('lead'))).json.ids[0];
    // Import: markers and boxes removed, checked lines, headings, blanks and existing titles skipped.
    const todo = join(repo, '..', 'urls_todo.md');
    writeFileSync(todo, '# URLs\n\n- [ ] https://example.com/a\n- [x] https://example.com/done\n* https://example.com/b\n\n1. [ ] map the API\n2) https://example.com/c\n');
    const imp = await cliOk(repo, ['task', 'add', '--from-file', todo, '--json'], as('lead'));
    expect(imp.json.tasks.map((t: any) => t.title)).toEqual(['https://example.com/a', 'https://example.com/b', 'https://example.com/c']);
    expect(imp.json.skipped).toEqual([
      { line: 4, reason: 'checked', title: '- [x] https://example.com/done' },
      { line: 7, reason: 'duplicate', title: 'map the API' },
    ]);
    // Importing the same file again adds nothing.
    expect((await cliOk(repo, ['task', 'add', '--from-file', todo, '--json'], as('lead'))).json.ids).toEqual([]);

    const list = await cliOk(repo, ['task', 'list', '--json'], as('w1'));
    expect(list.json.counts).toEqual({ open: 5, claimed: 0, done: 0, ready: 4 });
    expect(list.json.tasks.map((t: any) => t.id).slice(-2)).toEqual([a, b]); // waves after the tasks without one
    expect(list.json.tasks.find((t: any) => t.id === b)).toMatchObject({ wave: 2, after: [a], to: 'codex', state: 'open', ready: false, blockedBy: [a], holder: null, done: null });
    expect((await cliOk(repo, ['task', 'list', '--ready', '--wave', '1', '--json'], as('w1'))).json.tasks.map((t: any) => t.id)).toEqual([a]);

    const claim = await cliOk(repo, ['task', 'claim', a.slice(0, 14), '--json'], as('w1'));
    expect(claim.json).toMatchObject({ session: 'w1', claimed: [{ id: a, state: 'claimed', holder: { session: 'w1', stale: false } }], renewed: [], takenOver: [], lost: [], decidedBy: 'local', offline: null });
    expect((await cliOk(repo, ['task', 'list', '--mine', '--json'], as('w1'))).json.tasks.map((t: any) => t.id)).toEqual([a]);
    const human = await cliOk(repo, ['task', 'show', a], as('w1'));
    expect(human.stdout).toContain(`task ${a}, wave 1: claimed by w1`);
    expect(human.stdout).toContain('every endpoint');

    const done = await cliOk(repo, ['task', 'done', a, '-m', 'Found 12 endpoints\n\nSee src/api.ts', '--ref', 'src/api.ts', '--json'], as('w1'));
    expect(done.json.task).toMatchObject({ id: a, state: 'done', done: { session: 'w1', result: done.json.result.id } });
    expect(done.json.result).toMatchObject({ kind: 'result', title: 'Found 12 endpoints', refs: ['src/api.ts'] });
    // One commit holds the done step and its result.
    const [subject, , ...paths] = git(repo, ['show', '--name-only', '--format=%s', 'context']).split('\n');
    expect(subject).toBe('task done: map the API');
    expect(paths).toHaveLength(2);
    expect(paths).toContain(entryPath(done.json.result.id));
    expect(paths.find((p) => p.startsWith('state/'))).toMatch(new RegExp(`^state/tasks/\\d{4}/\\d{2}/${a}/[0-9a-f]{16}$`));
    const show = await cliOk(repo, ['task', 'show', a, '--json']);
    expect(show.json.task.steps.map((s: any) => [s.op, s.session])).toEqual([['claim', 'w1'], ['done', 'w1']]);
    expect(show.json.result).toMatchObject({ id: done.json.result.id, body: 'Found 12 endpoints\n\nSee src/api.ts' });
    expect((await cliOk(repo, ['show', done.json.result.id, '--json'])).json.entry).toMatchObject({ kind: 'result' });

    // b is now ready, for codex sessions only with --next; any session may name it.
    expect((await cliOk(repo, ['task', 'list', '--ready', '--wave', '2', '--json'], as('w2', 'claude'))).json.tasks).toEqual([]);
    expect((await cliOk(repo, ['task', 'list', '--ready', '--wave', '2', '--json'], as('w2', 'codex'))).json.tasks.map((t: any) => t.id)).toEqual([b]);
    await cliOk(repo, ['task', 'claim', b], as('w2', 'codex'));
    const rel = await cliOk(repo, ['task', 'release', b, '--json'], as('w2', 'codex'));
    expect(rel.json.task).toMatchObject({ state: 'open', holder: null });

    const wave = await cliOk(repo, ['wave', '1', '--json']);
    expect(wave.json).toMatchObject({ wave: 1, counts: { open: 0, claimed: 0, done: 1 }, waves: [1, 2] });
    expect(wave.json.tasks[0]).toMatchObject({ id: a, result: { kind: 'result', title: 'Found 12 endpoints' } });
    expect((await cliOk(repo, ['wave', '1'])).stdout).toContain('Found 12 endpoints');
    expect(git(repo, ['log', '-1', '--format=%B', 'context'])).toMatch(/^task release: write the client\n\nCtx-Task: [0-9a-z]{26}\nCtx-Agent: codex\nCtx-Session: w2\n/);
    expect(userState(repo)).toEqual(before);
    fsck(repo);
  });

  it('8 sessions in 4 worktrees claim --next in a loop over 50 ready tasks: each claimed exactly once and done once', async () => {
    const repo = makeRepo();
    const trees = [repo, addWorktree(repo, 't1'), addWorktree(repo, 't2'), addWorktree(repo, 't3')];
    const ids = await addTasks(repo, 50);
    expect(ids).toHaveLength(50);
    const sessions = Array.from({ length: 8 }, (_, i) => ({ cwd: trees[i % 4]!, session: `s${i}` }));
    const runs = await Promise.all(sessions.map((s, i) => worker(s.cwd, s.session, i % 2 === 1)));
    for (const r of runs) expect(r.errors).toEqual([]);
    const all = runs.flatMap((r) => r.claimed);
    expect(all.sort()).toEqual([...ids].sort()); // every task, none twice
    const owner = new Map(runs.flatMap((r, i) => r.claimed.map((id) => [id, sessions[i]!.session] as const)));
    // On the branch: each task's chain is one claim and one done, by the session that claimed it, and
    // no other step file exists (the compare-and-swap refused every second claim before it landed).
    const files = steps(repo);
    expect(files.size).toBe(50);
    for (const id of ids) {
      const f = files.get(id)!;
      expect(f.size).toBe(2);
      const s = settleTask(f);
      expect(s.chain.map((x) => [x.op, x.session])).toEqual([['claim', owner.get(id)], ['done', owner.get(id)]]);
    }
    // More than one session got work, of both kinds: the queue was shared.
    expect(runs.filter((r) => r.claimed.length).length).toBeGreaterThan(1);
    expect(runs.filter((r, i) => r.claimed.length && i % 2 === 1).length).toBeGreaterThan(0);
    expect(runs.filter((r, i) => r.claimed.length && i % 2 === 0).length).toBeGreaterThan(0);
    expect((await cliOk(repo, ['task', 'list', '--json'])).json.counts).toEqual({ open: 0, claimed: 0, done: 50, ready: 0 });
    fsck(repo);
  }, 300_000);

  it('--after ordering holds under concurrency: no task is claimed before every task it waits for is done', async () => {
    const repo = makeRepo();
    const trees = [repo, addWorktree(repo, 'o1'), addWorktree(repo, 'o2'), addWorktree(repo, 'o3')];
    // Four layers of four; each task waits for two of the layer before.
    const layers: string[][] = [await addTasks(repo, 4)];
    for (let l = 1; l < 4; l++) {
      const layer: string[] = [];
      for (let i = 0; i < 4; i++) {
        const prev = layers[l - 1]!;
        layer.push((await cliOk(repo, ['task', 'add', `layer ${l} task ${i}`, '--after', prev[i]!, '--after', prev[(i + 1) % 4]!], as('planner'))).stdout.trim());
      }
      layers.push(layer);
    }
    const after = new Map(layers.slice(1).flatMap((layer, l) => layer.map((id, i) => [id, [layers[l]![i]!, layers[l]![(i + 1) % 4]!]] as const)));
    const runs = await Promise.all(Array.from({ length: 8 }, (_, i) => worker(trees[i % 4]!, `o${i}`, i % 2 === 1)));
    for (const r of runs) expect(r.errors).toEqual([]);
    expect(runs.flatMap((r) => r.claimed).sort()).toEqual(layers.flat().sort());
    // The commit that landed each claim already held the done steps of the tasks it waits for.
    const files = steps(repo);
    for (const [id, deps] of after) {
      const claim = settleTask(files.get(id)!).chain[0]!;
      const commit = git(repo, ['log', '--format=%H', '--diff-filter=A', 'context', '--', stepPath(id, null)]).split('\n').pop()!;
      expect(claim.op).toBe('claim');
      for (const d of deps) {
        const done = settleTask(files.get(d)!).done!;
        expect(git(repo, ['ls-tree', '--name-only', commit, '--', stepPath(d, done.prev)]), `${id} claimed before ${d} was done`).not.toBe('');
      }
    }
    fsck(repo);
  }, 300_000);

  it('waves are barriers: wave 2 is not ready until all of wave 1 is done', async () => {
    const repo = makeRepo();
    const w1 = await addTasks(repo, 2, ['--wave', '1']);
    const [w2] = await addTasks(repo, 1, ['--wave', '2']);
    expect((await cliOk(repo, ['task', 'list', '--ready', '--json'])).json.tasks.map((t: any) => t.id).sort()).toEqual([...w1].sort());
    const r = await cli(repo, ['task', 'claim', w2!, '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('E_TASK_NOT_READY');
    // As a set: two tasks made in one millisecond have ids in no particular order.
    expect([...r.json.error.data.blockedBy].sort()).toEqual([...w1].sort());
    await cliOk(repo, ['task', 'done', w1[0]!]);
    expect((await cli(repo, ['task', 'claim', w2!])).code).toBe(2);
    await cliOk(repo, ['task', 'done', w1[1]!, '-m', 'second']);
    await cliOk(repo, ['task', 'claim', w2!]);
  });

  it('a claim whose holder has been silent longer than ctx.tasks.staleAfter is taken over, and the brief says so', async () => {
    const repo = makeRepo();
    // Every command reads one clock, which the test moves on (commit times, the reader's now).
    let skew = 0;
    const at = (session?: string) => ({ ...(session ? as(session) : {}), deps: { now: () => Date.now() + skew } });
    git(repo, ['config', 'ctx.tasks.staleAfter', '3']);
    const [id] = await addTasks(repo, 1, [], 'planner', at());
    await cliOk(repo, ['task', 'claim', id!], at('sleepy'));
    // Not silent yet: refused, with the holder named.
    const early = await cli(repo, ['task', 'claim', id!, '--json'], at('eager'));
    expect(early.code).toBe(2);
    expect(early.json.error).toMatchObject({ code: 'E_TASK_CLAIMED', data: { session: 'sleepy' } });
    expect((await cliOk(repo, ['task', 'claim', '--next', '--json'], at('eager'))).json.claimed).toEqual([]);
    // Any write of the holder keeps its claims alive.
    skew += 2000;
    await cliOk(repo, ['add', '-m', 'still on it'], at('sleepy'));
    skew += 1000;
    expect((await cliOk(repo, ['task', 'list', '--json'], at())).json.tasks[0].holder).toMatchObject({ session: 'sleepy', stale: false });
    skew += 3500;
    const list = await cliOk(repo, ['task', 'list', '--ready', '--json'], at('eager'));
    expect(list.json.tasks[0]).toMatchObject({ id, state: 'claimed', holder: { session: 'sleepy', stale: true } });
    expect((await cliOk(repo, ['brief'], at('eager'))).stdout).toMatch(/claimed by sleepy, silent since .*: can be taken over/);
    const take = await cliOk(repo, ['task', 'claim', '--next', '--json'], at('eager'));
    expect(take.json.claimed.map((t: any) => t.id)).toEqual([id]);
    expect(take.json.takenOver).toEqual([{ id, from: 'sleepy', lastSeen: expect.any(String) }]);
    // The old holder comes back: it cannot finish or release it, and its brief tells it why. (A window
    // of hours again: the new holder is not silent.)
    git(repo, ['config', 'ctx.tasks.staleAfter', '1h']);
    const late = await cli(repo, ['task', 'done', id!, '-m', 'late', '--json'], at('sleepy'));
    expect(late.code).toBe(2);
    expect(late.json.error).toMatchObject({ code: 'E_TASK_NOT_YOURS', data: { session: 'eager' } });
    expect((await cliOk(repo, ['brief'], at('sleepy'))).stdout).toContain(`task ${id} you claimed was taken over by session eager`);
    const sessions = await cliOk(repo, ['sessions', '--json'], at());
    expect(sessions.json.sessions.find((s: any) => s.session === 'eager').claimed).toEqual([{ id, title: expect.stringMatching(/^item 0/), since: expect.any(String), stale: false }]);
    await cliOk(repo, ['task', 'done', id!], at('eager'));
    expect(settleTask(steps(repo).get(id!)!).chain.map((s) => [s.op, s.session, s.takeover ?? null])).toEqual([
      ['claim', 'sleepy', null],
      ['claim', 'eager', 'sleepy'],
      ['done', 'eager', null],
    ]);
  });

  it("a wave-2 session's brief holds wave 1's results, within the budget, index lines beyond", async () => {
    const repo = makeRepo();
    const w1 = await addTasks(repo, 3, ['--wave', '1']);
    const [w2] = await addTasks(repo, 1, ['--wave', '2']);
    for (const [i, id] of w1.entries()) await cliOk(repo, ['task', 'claim', id], as(`d${i}`));
    for (const [i, id] of w1.entries()) await cliOk(repo, ['task', 'done', id, '-m', `Finding ${i}: ${'the cache is keyed by path. '.repeat(6 + i * 10)}`], as(`d${i}`));
    await cliOk(repo, ['task', 'claim', w2!], as('exec'));
    const brief = await cliOk(repo, ['brief', '--json'], as('exec'));
    const tasks = brief.json.sections.find((s: any) => s.key === 'tasks');
    expect(tasks.items.map((i: any) => [i.id, i.shown])).toEqual([[w2, 'full']]);
    const wave = brief.json.sections.find((s: any) => s.key === 'wave-1');
    expect(wave.title).toContain('Results of wave 1 (3 of 3 tasks done)');
    expect(wave.items).toHaveLength(3);
    expect(wave.items.every((i: any) => i.shown === 'full')).toBe(true);
    const text = (await cliOk(repo, ['brief'], as('exec'))).stdout;
    for (let i = 0; i < 3; i++) expect(text).toContain(`Finding ${i}:`);
    // A small budget: what does not fit in full is an index line (with its id), never silently dropped.
    const small = await cliOk(repo, ['brief', '--budget', '300', '--json'], as('exec'));
    const shown = small.json.sections.find((s: any) => s.key === 'wave-1').items.map((i: any) => i.shown);
    expect(shown).toContain('index');
    expect(small.json.tokens).toBeLessThanOrEqual(300);
    // A session without a wave-2 task gets no wave section.
    expect((await cliOk(repo, ['brief', '--json'], as('other'))).json.sections.find((s: any) => s.key === 'wave-1')).toBeUndefined();
  });

  it('bad input: clear errors with the exit codes of the contract, and nothing written', async () => {
    const repo = makeRepo();
    const [a, b] = await addTasks(repo, 2);
    const note = (await cliOk(repo, ['add', '-m', 'a note'])).stdout.trim();
    // A cycle made by hand (git-ctx cannot make one: --after only names tasks that exist).
    const [c1, c2] = [newId(Date.now(), new Uint8Array(10).fill(1)), newId(Date.now() + 1, new Uint8Array(10).fill(2))];
    await withCtx(repo, async (c) => {
      const entry = (id: string, after: string) => serializeEntry({ id, kind: 'task', title: `cyclic ${id}`, body: '', topic: null, tags: [], refs: [], to: null, supersedes: [], agent: 'x', session: 'x', worktree: null, branch: null, head: null, author: { name: 'x', email: 'x@x' }, createdAt: new Date().toISOString(), extra: { after: [after] } });
      const files = [c1, c2].flatMap((id, i) => [{ path: entryPath(id), content: entry(id, i ? c1 : c2) }, { path: markerPath(id), content: serializeMarker(id, entryPath(id)) }]);
      await c.store.commit({ add: files, message: 'task: two cyclic tasks\n', author: { name: 'x', email: 'x@x' } });
    });
    await cliOk(repo, ['task', 'claim', a!], as('mine'));
    await cliOk(repo, ['task', 'done', b!], as('mine'));
    const tip = contextTip(repo);
    const cases: [string[], number, string][] = [
      [['task', 'show', '0000000000zz'], 3, 'E_NOT_FOUND'],
      [['task', 'claim', '01zzzzzzzzzzzzzzzzzzzzzzzz'], 3, 'E_NOT_FOUND'],
      [['task', 'claim', note], 3, 'E_NOT_A_TASK'],
      [['task', 'claim', 'not-an-id!'], 2, 'E_BAD_ID'],
      [['task', 'done', b!], 2, 'E_TASK_DONE'],
      [['task', 'claim', b!], 2, 'E_TASK_DONE'],
      [['task', 'release', b!], 2, 'E_TASK_DONE'],
      [['task', 'release', a!, '--session', 'other'], 2, 'E_TASK_NOT_YOURS'],
      [['task', 'done', a!, '--session', 'other'], 2, 'E_TASK_NOT_YOURS'],
      [['task', 'claim', c1], 2, 'E_TASK_CYCLE'],
      [['task', 'done', c2], 2, 'E_TASK_CYCLE'],
      [['task', 'add', 'after a cycle', '--after', c1], 2, 'E_TASK_CYCLE'],
      [['task', 'add', 'after nothing', '--after', '01zzzzzzzzzzzzzzzzzzzzzzzz'], 3, 'E_NOT_FOUND'],
      [['task', 'add', 'after a note', '--after', note], 3, 'E_NOT_A_TASK'],
      [['task', 'add', 'bad wave', '--wave', '-1'], 2, 'E_USAGE'],
      [['task', 'add', 'bad wave', '--wave', 'x'], 2, 'E_USAGE'],
      [['task', 'add', 'two\nlines'], 2, 'E_TITLE'],
      [['task', 'add'], 2, 'E_TITLE'],
      [['task', 'add', '--from-file', join(repo, 'missing.md')], 2, 'E_FILE'],
      [['task', 'claim', a!, '--next'], 2, 'E_USAGE'],
      [['task', 'claim', '--next', '--limit', '0'], 2, 'E_USAGE'],
      [['wave', 'x'], 2, 'E_USAGE'],
    ];
    for (const [args, code, err] of cases) {
      const r = await cli(repo, [...args, '--json'], as('mine'));
      expect([args.join(' '), r.code, r.json?.error?.code]).toEqual([args.join(' '), code, err]);
      expect(r.stderr).toMatch(/^git-ctx: /);
      expect(contextTip(repo)).toBe(tip);
    }
    const rel = await cli(repo, ['task', 'release', c1, '--json'], as('mine'));
    expect([rel.code, rel.json.error.code]).toEqual([2, 'E_TASK_NOT_CLAIMED']);
    // A bad line of a todo file stops the import before anything is written, naming the line.
    const bad = join(repo, '..', 'bad.md');
    writeFileSync(bad, '- ok\n- also ok\n- bad \u0007 bell\n');
    const imp = await cli(repo, ['task', 'add', '--from-file', bad, '--json']);
    expect([imp.code, imp.json.error.code, imp.json.error.data.line]).toEqual([2, 'E_TITLE', 3]);
    expect(contextTip(repo)).toBe(tip);
    const list = await cliOk(repo, ['task', 'list', '--json']);
    expect(list.json.tasks.find((t: any) => t.id === c1)).toMatchObject({ ready: false, cycle: [c1, c2, c1] });
    // `add -k task` makes a task like `task add` (without wave or --after).
    const plain = (await cliOk(repo, ['add', '-k', 'task', '-m', 'written with add'])).stdout.trim();
    expect((await cliOk(repo, ['task', 'show', plain, '--json'])).json.task).toMatchObject({ title: 'written with add', state: 'open', ready: true });
  }, 120_000);

  it('claims through a bare remote from 3 clones: each task claimed exactly once and done once', async () => {
    const remote = makeRemote();
    const clones = ['a', 'b', 'c'].map((n) => cloneOf(remote, [], n));
    for (const c of clones) await cliOk(c, ['init', '--remote', 'origin']);
    const ids = await addTasks(clones[0]!, 24);
    await cliOk(clones[0]!, ['sync']);
    await cliOk(clones[1]!, ['pull']); // the third clone has not even seen the tasks yet
    const sessions = Array.from({ length: 6 }, (_, i) => ({ cwd: clones[i % 3]!, session: `${'abc'[i % 3]}${i}` }));
    const runs = await Promise.all(sessions.map((s, i) => worker(s.cwd, s.session, i % 2 === 1)));
    expect(runs.flatMap((r) => r.errors)).toEqual([]);
    expect(runs.flatMap((r) => r.claimed).sort()).toEqual([...ids].sort());
    const owner = new Map(runs.flatMap((r, i) => r.claimed.map((id) => [id, sessions[i]!.session] as const)));
    // The remote decided every step: one claim ref per step, created by the first push that named it.
    const refs = git(remote, ['for-each-ref', '--format=%(refname)', 'refs/ctx/claims/']).split('\n').filter(Boolean);
    expect(refs).toHaveLength(48);
    for (const c of clones) await cliOk(c, ['sync']);
    await cliOk(clones[0]!, ['sync']);
    for (const c of clones) {
      const files = steps(c);
      for (const id of ids) {
        const s = settleTask(files.get(id)!);
        expect(s.chain.map((x) => [x.op, x.session, !!x.remote])).toEqual([['claim', owner.get(id), true], ['done', owner.get(id), true]]);
        expect(s.lost).toEqual([]);
      }
      expect((await cliOk(c, ['task', 'list', '--json'])).json.counts).toMatchObject({ open: 0, claimed: 0, done: 24 });
    }
    fsck(remote);
  }, 300_000);

  it('offline: a claim made while the remote was out of reach loses to the one the remote decided, on every clone, and its session is told', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote, [], 'a'), cloneOf(remote, [], 'b')];
    for (const c of [a, b]) await cliOk(c, ['init', '--remote', 'origin']);
    const [id] = await addTasks(a, 1);
    await cliOk(a, ['sync']);
    await cliOk(b, ['pull']);
    const url = git(a, ['remote', 'get-url', 'origin']);
    git(a, ['remote', 'set-url', 'origin', '/nonexistent/remote.git']);
    const offline = await cliOk(a, ['task', 'claim', id!, '--json'], as('laptop'));
    expect(offline.json).toMatchObject({ decidedBy: 'local', offline: expect.any(String), claimed: [{ id }] });
    expect(offline.stderr).toContain('claimed on this machine only');
    await new Promise((r) => setTimeout(r, 20));
    const online = await cliOk(b, ['task', 'claim', id!, '--json'], as('desk'));
    expect(online.json).toMatchObject({ decidedBy: 'remote', claimed: [{ id }] });
    git(a, ['remote', 'set-url', 'origin', url]);
    for (const c of [a, b, a]) await cliOk(c, ['sync']);
    for (const c of [a, b]) {
      const t = (await cliOk(c, ['task', 'show', id!, '--json'])).json.task;
      expect(t).toMatchObject({ state: 'claimed', holder: { session: 'desk' } });
    }
    expect((await cliOk(a, ['brief'], as('laptop'))).stdout).toContain(`task ${id} you claimed was claimed first by session desk`);
    const late = await cli(a, ['task', 'done', id!, '--json'], as('laptop'));
    expect([late.code, late.json.error.code]).toEqual([2, 'E_TASK_NOT_YOURS']);
    fsck(remote);
  }, 120_000);

  it('across clones, a result travels with its done step: a wave-2 claim on another clone sees it without a sync', async () => {
    const remote = makeRemote();
    const [a, b] = [cloneOf(remote, [], 'a'), cloneOf(remote, [], 'b')];
    for (const c of [a, b]) await cliOk(c, ['init', '--remote', 'origin']);
    const [w1] = await addTasks(a, 1, ['--wave', '1']);
    const [w2] = await addTasks(a, 1, ['--wave', '2']);
    await cliOk(a, ['sync']);
    const claim = await cliOk(a, ['task', 'claim', w1!, '--json'], as('finder'));
    expect(claim.json.decidedBy).toBe('remote');
    const done = await cliOk(a, ['task', 'done', w1!, '-m', 'the cache key is the path', '--json'], as('finder'));
    expect(done.json).toMatchObject({ decidedBy: 'remote', offline: null });
    // b never syncs: its claim fetches what the remote decided, the result with it.
    const take = await cliOk(b, ['task', 'claim', '--next', '--json'], as('executor'));
    expect(take.json).toMatchObject({ decidedBy: 'remote', claimed: [{ id: w2 }] });
    expect((await cliOk(b, ['brief'], as('executor'))).stdout).toContain('the cache key is the path');
    expect((await cliOk(b, ['wave', '1', '--json'])).json.tasks[0].result).toMatchObject({ id: done.json.result.id, body: 'the cache key is the path' });
    fsck(remote);
  }, 120_000);

  it('gc removes done tasks past the window (their results stay); history keeps them', async () => {
    const repo = makeRepo();
    const [a, b] = await addTasks(repo, 2);
    const [c] = await addTasks(repo, 1, ['--after', a!]);
    await cliOk(repo, ['task', 'done', a!, '-m', 'result of a']);
    await cliOk(repo, ['task', 'claim', b!]);
    const later = async <T>(fn: (c: Awaited<ReturnType<typeof openCtx>>) => Promise<T>) => {
      const cx = await openCtx(realDeps(repo, ENV, { now: () => Date.now() + 10 * 86_400_000 }));
      try {
        return await fn(cx);
      } finally {
        closeCtx(cx);
      }
    };
    const r = await later((cx) => gc(cx, { olderThan: '7d' }));
    expect(r.removed.filter((x) => x.kind === 'task').map((x) => x.id)).toEqual([a]);
    // Its marker and its one step (finished without a claim).
    expect(r.stateFiles.filter((p) => p.includes(a!)).map((p) => p.split('/').pop()).sort()).toEqual(['start', 'task']);
    const list = await cliOk(repo, ['task', 'list', '--json']);
    expect(list.json.tasks.map((t: any) => t.id).sort()).toEqual([b, c].sort());
    // c waited for a: a is gone, so it was done; c is ready.
    expect(list.json.tasks.find((t: any) => t.id === c)).toMatchObject({ ready: true, blockedBy: [] });
    expect((await cliOk(repo, ['log', '-k', 'result', '--json'])).json.entries).toHaveLength(1);
    expect(git(repo, ['log', '--format=%s', '-1', 'context'])).toBe('gc: remove 0 consumed handoffs, 0 read messages, 1 done task');
    fsck(repo);
  });
});

describe('a todo list imported at once', () => {
  it('keeps the order of its lines: task list and claim --next follow the file, though its tasks share a millisecond', async () => {
    const repo = makeRepo();
    const todo = join(repo, '..', 'todo.md');
    const titles = Array.from({ length: 40 }, (_, i) => `step ${i + 1} of the migration`);
    writeFileSync(todo, titles.map((t) => `- [ ] ${t}\n`).join(''));
    const imp = await cliOk(repo, ['task', 'add', '--from-file', todo, '--json'], as('lead'));
    expect(imp.json.ids).toHaveLength(40);
    expect([...imp.json.ids].sort()).toEqual(imp.json.ids);
    const list = await cliOk(repo, ['task', 'list', '--json'], as('w1'));
    expect(list.json.tasks.map((t: any) => t.title)).toEqual(titles);
    // claim --next takes one of the first eight ready tasks (at random, so that claimers spread out).
    const first = await cliOk(repo, ['task', 'claim', '--next', '--json'], as('w1'));
    expect(titles.slice(0, 8)).toContain(first.json.claimed[0].title);
  });
});
