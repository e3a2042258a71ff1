/**
 * A harness for crash tests (storage invariant 9): start real git-ctx processes, SIGKILL them at random
 * instants, then check that the repository is sound and that the next command works.
 *
 * A scenario says what the world is (repositories, clones, remotes), which processes one trial starts,
 * what a process's output acknowledges (an id that was printed is a promise: it must be on the
 * branch), and what must hold afterwards. The harness runs `lanes` worlds side by side, each through
 * `trials` trials in a row (crashes pile up on earlier crashes, as they do in life), with a seeded
 * generator so that a failure can be replayed (GIT_CTX_CRASH_SEED).
 *
 * Each trial may include survivors: processes never killed, which must succeed; they start right
 * after the previous trial's crash and run beside this trial's victims, so they are the "next
 * command" that no stale lock may stop. Kill instants are drawn from a window calibrated per lane
 * and per process slot on one uncut trial (from start to the end of that slot's process), scaled by
 * the pace the survivors show trial by trial, so that kills land in every phase of a command, a
 * quick pull beside a slow push, on a fast machine and a loaded one alike, and as the load changes. A trial may first `prepare` the world in process (entries to push, handoffs to
 * pick up); what it writes counts as acknowledged.
 *
 * Half of the kills hit only the node process (its git children run on, orphaned, as after an OOM
 * kill); the other half hit the whole process group, git children included (a closed terminal, a
 * killed container), which is what leaves git's own `*.lock` files behind.
 */
import { spawn } from 'node:child_process';
import { BIN, ENV } from './repo.js';
import { rng } from './secret-samples.js';

export interface CrashProc {
  cwd: string;
  args: string[];
  input?: string;
  /** Never killed: it must exit 0. */
  survivor?: boolean;
  /** A name for reports and for `acknowledged` (which repository, which session). */
  label?: string;
}

export interface ProcOutcome {
  proc: CrashProc;
  /** Wall time from start to exit (ms). */
  ms?: number;
  stdout: string;
  stderr: string;
  code: number | null;
  /** Whether our SIGKILL reached it while it ran. */
  killed: boolean;
  /** Whether the kill took its whole process group (git children too). */
  group: boolean;
}

export interface CrashScenario<W> {
  name: string;
  /** Build one lane's world. */
  setup(): Promise<W> | W;
  /** Writes made before a trial's processes start (in process, never killed): returns what they acknowledge. */
  prepare?(world: W, trial: number, random: () => number): Promise<string[]>;
  /** The processes of one trial, started together. */
  procs(world: W, trial: number, random: () => number): CrashProc[];
  /** What a process's stdout promised (for add: the id it printed). */
  acknowledged(stdout: string, proc: CrashProc): string[];
  /**
   * Check the world after every process of a trial has ended: fsck, the branch, every promise kept.
   * `acked` holds everything acknowledged in this world so far. Returns facts to count (e.g. stale locks).
   */
  verify(world: W, acked: readonly string[], outcomes: readonly ProcOutcome[]): Promise<Record<string, number>>;
  /** The next commands after a crash, run one after the other: each must succeed (no stale lock may block it). */
  next(world: W): CrashProc | CrashProc[];
  /** Last checks on a lane's world once its trials are over (e.g. read every entry back). */
  final?(world: W, acked: readonly string[]): Promise<void>;
}

export interface CrashOptions {
  lanes: number;
  trials: number;
  /**
   * Each victim is killed at a uniform random instant in this window after it starts (ms); by default
   * from 5 ms to the time the slowest process of one uncut trial took, measured per lane.
   */
  killWindowMs?: [number, number];
  seed?: number;
}

export interface CrashReport {
  seed: number;
  trials: number;
  processes: number;
  killed: number;
  killedGroups: number;
  completed: number;
  acknowledged: number;
  /** Facts summed over all verify() calls. */
  facts: Record<string, number>;
  /** Slowest survivor or "next command" after a crash (ms): a stale lock shows here. */
  nextMaxMs: number;
  nextMedianMs: number;
  /** The widest kill window used, per lane (ms). */
  windows: [number, number][];
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function run(p: CrashProc, killAfterMs: number | null, group: boolean): Promise<ProcOutcome> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ms = 0;
    const child = spawn(process.execPath, [BIN, ...p.args], { cwd: p.cwd, env: ENV, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let done = false;
    let killed = false;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.stdin.on('error', () => {});
    child.stdin.end(p.input ?? '');
    const timer =
      killAfterMs === null
        ? null
        : setTimeout(() => {
            if (done) return;
            killed = true;
            try {
              if (group) process.kill(-child.pid!, 'SIGKILL');
              else child.kill('SIGKILL');
            } catch {
              killed = false; // it had just ended
            }
          }, killAfterMs);
    child.on('error', reject);
    child.on('exit', () => {
      done = true;
      ms = performance.now() - t0;
    });
    child.on('close', async (code, signal) => {
      if (timer) clearTimeout(timer);
      // Git children orphaned by a node-only kill run on for a moment: wait until the group is empty,
      // so that the checks see the state they leave, not a state in passing.
      for (let i = 0; i < 200 && groupAlive(child.pid!); i++) await new Promise((r) => setTimeout(r, 10));
      resolve({ proc: p, ms, stdout, stderr, code, killed: killed && signal === 'SIGKILL', group });
    });
  });
}

/** Run one process to completion (no kill); returns its outcome and how long it took. */
export async function runToEnd(p: CrashProc): Promise<ProcOutcome & { ms: number }> {
  const o = await run(p, null, false);
  return { ...o, ms: o.ms ?? 0 };
}

export async function runCrashTrials<W>(scenario: CrashScenario<W>, opts: CrashOptions): Promise<CrashReport> {
  const seed = opts.seed ?? Number(process.env.GIT_CTX_CRASH_SEED ?? 20261121);
  const report: CrashReport = { seed, trials: 0, processes: 0, killed: 0, killedGroups: 0, completed: 0, acknowledged: 0, facts: {}, nextMaxMs: 0, nextMedianMs: 0, windows: [] };
  const nextTimes: number[] = [];
  await Promise.all(
    Array.from({ length: opts.lanes }, async (_, lane) => {
      const random = rng(seed + lane * 7919);
      const world = await scenario.setup();
      const acked: string[] = [];
      // Kill windows per process slot: a slot's victim dies within the time that slot took uncut.
      let windows: [number, number][] = [];
      if (opts.killWindowMs) windows = [opts.killWindowMs];
      else {
        if (scenario.prepare) acked.push(...(await scenario.prepare(world, -1 - lane, random)));
        const uncut = await Promise.all(scenario.procs(world, -1 - lane, random).map((p) => runToEnd(p)));
        for (const o of uncut) if (o.code !== 0) throw new Error(`${scenario.name}: calibration failed:\n${o.stderr}`);
        for (const o of uncut) acked.push(...scenario.acknowledged(o.stdout, o.proc));
        windows = uncut.map((o) => [5, Math.max(10, Math.ceil(o.ms))]);
      }
      const calibrated = opts.killWindowMs ? [] : windows;
      const widest = windows.reduce((a, b) => (b[1] > a[1] ? b : a));
      report.windows.push(widest);
      for (let t = 0; t < opts.trials; t++) {
        const trial = lane * opts.trials + t;
        const where = `${scenario.name}, seed ${seed}, lane ${lane}, trial ${t}`;
        if (scenario.prepare) acked.push(...(await scenario.prepare(world, trial, random)));
        const procs = scenario.procs(world, trial, random);
        const started = performance.now();
        const killAt = (i: number) => {
          const [lo, hi] = windows[i] ?? widest;
          return lo + Math.floor(random() * (hi - lo));
        };
        const outcomes = await Promise.all(procs.map((p, i) => run(p, p.survivor ? null : killAt(i), random() < 0.5)));
        for (const o of outcomes) {
          report.processes++;
          if (o.killed) {
            report.killed++;
            if (o.group) report.killedGroups++;
          } else if (o.code === 0) report.completed++;
          else throw new Error(`${where}: ${o.proc.args.join(' ')} failed on its own (exit ${o.code}):\n${o.stderr}`);
          if (o.proc.survivor) nextTimes.push(o.ms ?? performance.now() - started);
          const ids = scenario.acknowledged(o.stdout, o.proc); // what was printed is a promise, killed or not
          acked.push(...ids);
          report.acknowledged += ids.length;
        }
        // The machine's pace changes as other work starts and stops: windows calibrated under a load
        // that is gone would outlast every victim (none killed), and the reverse. The survivors, never
        // cut, measure the pace now against their own calibration run; every window follows it.
        const paces = outcomes.flatMap((o, i) => (o.proc.survivor && o.code === 0 && o.ms && calibrated[i] ? [o.ms / calibrated[i]![1]] : []));
        if (paces.length) {
          const pace = paces.reduce((a, b) => a + b) / paces.length;
          windows = calibrated.map(([lo, hi]) => [lo, Math.max(10, Math.ceil(hi * pace))]);
        }
        let facts: Record<string, number>;
        try {
          facts = await scenario.verify(world, acked, outcomes);
        } catch (e) {
          throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
        }
        for (const [k, v] of Object.entries(facts)) report.facts[k] = (report.facts[k] ?? 0) + v;
        report.trials++;
      }
      // After the last crash of the lane, the next commands alone.
      const nexts = scenario.next(world);
      for (const p of Array.isArray(nexts) ? nexts : [nexts]) {
        const next = await runToEnd(p);
        if (next.code !== 0) throw new Error(`${scenario.name}, seed ${seed}, lane ${lane}: the next command (${p.args.join(' ')}) failed (exit ${next.code}):\n${next.stderr}`);
        acked.push(...scenario.acknowledged(next.stdout, p));
        nextTimes.push(next.ms);
      }
      await scenario.verify(world, acked, []);
      await scenario.final?.(world, acked);
    }),
  );
  nextTimes.sort((a, b) => a - b);
  report.nextMaxMs = Math.round(nextTimes[nextTimes.length - 1] ?? 0);
  report.nextMedianMs = Math.round(nextTimes[Math.floor(nextTimes.length / 2)] ?? 0);
  return report;
}
