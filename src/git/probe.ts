/**
 * The first git work every command needs: repository discovery, settings, and the object reader.
 * The launcher (src/launch.ts) starts it before git-ctx itself is even read from disk, so that git
 * works while Node compiles and loads the CLI; `openCtx` picks it up. The repository and its settings
 * are read from git's own files where they allow it (./locate.ts, ./config-files.ts), and git is started
 * only for what they do not settle. This file depends on ./spawn.ts, ./locate.ts, ./config-files.ts and
 * ./system-config.ts only (see there): what it hands over is plain data and child processes.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { gitArgv, gitEnv, runGit, spawnGit, type RunResult } from './spawn.js';
import { discoveryEnvSet, locateRepo, objectFormatOf, repoSettingsProblem, type LocatedRepo } from './locate.js';
import { configFromEntries, configSources, readConfigFiles, type ConfigEntry } from './config-files.js';
import { learnedSystemConfig, learnSystemConfig } from './system-config.js';

// One call answers everything a command needs to start. Order matters: in a bare repository git dies
// at --show-toplevel, and with no commits yet it dies at HEAD, each time after printing what came before.
export const discoveryArgs = ['rev-parse', '--path-format=absolute', '--git-dir', '--git-common-dir', '--show-object-format', '--git-path', 'objects', '--show-toplevel', 'HEAD', '--symbolic-full-name', 'HEAD'];

/**
 * git-ctx's settings, the identity, the user's settings that bound or route network commands (sync
 * must not override them), and git's settings that decide whether the repository may be found
 * and the branch read and moved from git's files (./locate.ts, ./ref-files.ts); with the scope of each, since
 * git reads the repository format from the repository's own config only.
 */
export const configArgs = ['config', '-z', '--show-scope', '--get-regexp', '^(ctx\\.|user\\.|committer\\.|init\\.defaultbranch$|core\\.(bare|worktree|repositoryformatversion|logallrefupdates|fsync|sharedrepository|sshcommand)$|extensions\\.|http\\..*lowspeed(limit|time)$|remote\\..*\\.receivepack$)'];
/** configArgs' pattern, as git applies it (POSIX, where `.` matches any byte: `s`) to the files' keys. */
const CONFIG_KEYS = new RegExp(configArgs[configArgs.length - 1]!, 's');

export interface RepoProbe {
  /**
   * discoveryArgs' result; rejects (with a plain Error) only when git cannot be started. Started only
   * when the environment moves discovery (./locate.ts DISCOVERY_ENV): otherwise the repository is found
   * from git's files, and git asked only when they hold something unusual.
   */
  discovery?: Promise<RunResult>;
  /** The repository found from git's files (null: git finds it); undefined when discovery runs. */
  located?: LocatedRepo | null;
  /**
   * The settings configArgs asks for, read from git's files (./config-files.ts), when they settle
   * everything: a repository found from its files, of a format git-ctx reads them for.
   */
  settings?: ConfigEntry[];
  /** Otherwise configArgs' result. */
  config?: Promise<RunResult>;
  /** A started `git cat-file --batch`, unless the command seldom reads objects. */
  cat?: ChildProcessWithoutNullStreams;
  /** Whether openCtx took the probe (and so owns the object reader). */
  taken: boolean;
}

/** Where the launcher leaves its probe for the CLI. */
const HANDOVER = Symbol.for('git-ctx.probe');

/** Arguments that never open a repository (help, version). */
const NO_REPO = new Set(['-h', '--help', 'help', '-V', '--version']);
/**
 * Commands that start git themselves when they need it: an agent hook often answers from files alone
 * (a prompt with nothing new), and opens the repository its input names, not the current directory's.
 */
const NO_PROBE = new Set(['agent-hook']);

/**
 * Commands that usually read no object through git: `add` writes its entry and queues it, and reads
 * trees only when it lands the queue, mostly the loose ones the previous append wrote (see
 * readLooseObject). Under many concurrent writers, most never read at all.
 */
const NO_READER = new Set(['add']);

export interface ProbeOptions {
  /** Start the object reader (`git cat-file --batch`). */
  reader?: boolean;
  /** This process's user, for git's ownership checks (undefined: git decides). */
  uid?: number;
  /** Unique to this process (for the names of temporary files). */
  tag?: string;
}

export function startProbe(cwd: string, env: Record<string, string | undefined>, opts: ProbeOptions = {}): RepoProbe {
  const clean = gitEnv(env);
  const run = (args: readonly string[]) => {
    const p = runGit(cwd, clean, gitArgv(args));
    // Keep an early failure (git missing) from surfacing as an unhandled rejection before anyone awaits it.
    p.catch(() => {});
    return p;
  };
  // In the order they are needed: each start costs the main thread a few milliseconds.
  const discovery = discoveryEnvSet(env) ? run(discoveryArgs) : undefined;
  const located = discovery ? undefined : locateRepo(cwd, env, opts.uid);
  const settings = located ? settingsFromFiles(located, env, opts) : undefined;
  const config = settings ? undefined : run(configArgs);
  const probe: RepoProbe = { discovery, located, settings, config, taken: false };
  if (opts.reader === false) return probe;
  const cat = spawnGit(cwd, clean, gitArgv(['cat-file', '--batch']));
  // Until CatFile takes it (and listens), a failure to start must not become an uncaught 'error'.
  cat.on('error', () => {});
  cat.stdin.on('error', () => {});
  return { ...probe, cat };
}

/**
 * The settings from git's files, when they settle everything (undefined: ask git). A repository whose
 * settings make git-ctx ask git where it is (a bare one, an unknown format) has them read by git too,
 * exactly as before. When git's system file is all that is missing, it is learned for the next command.
 */
function settingsFromFiles(located: LocatedRepo, env: Record<string, string | undefined>, opts: ProbeOptions): ConfigEntry[] | undefined {
  // git's system file, when git reads one and the environment does not name it: as learned from git.
  const needsSystem = !configSources(located, env, undefined) && !!configSources(located, env, '/');
  const system = needsSystem ? learnedSystemConfig(env, opts.uid) : undefined;
  const entries = readConfigFiles(located, env, system ?? undefined, CONFIG_KEYS);
  // Not learned yet: learn it for the next command (a git process, once per git executable).
  if (needsSystem && system === undefined) void learnSystemConfig(env, opts.uid, opts.tag ?? 'probe');
  if (!entries) return undefined;
  const config = configFromEntries(entries);
  return !repoSettingsProblem(config) && objectFormatOf(config) ? entries : undefined;
}

/** Whether a command line opens a repository (help and version never do). */
export function opensRepository(argv: readonly string[]): boolean {
  return argv.length > 0 && !NO_REPO.has(argv[0]!);
}

/** The probe a command line needs: none for help and version. */
export function probeFor(argv: readonly string[], cwd: string, env: Record<string, string | undefined>, uid: number | undefined, tag: string): RepoProbe | undefined {
  return opensRepository(argv) && !NO_PROBE.has(argv[0]!) ? startProbe(cwd, env, { reader: !NO_READER.has(argv[0]!), uid, tag }) : undefined;
}

/** The current directory, or null when it cannot be read (it was removed). */
export function currentDir(): string | null {
  try {
    return process.cwd();
  } catch {
    return null;
  }
}

/** The launcher: start the probe and leave it for the CLI. */
export function handOverProbe(argv: readonly string[]): void {
  const cwd = currentDir();
  (globalThis as Record<symbol, unknown>)[HANDOVER] = cwd === null ? undefined : probeFor(argv, cwd, process.env, process.getuid?.(), String(process.pid));
}

/** The CLI: the probe the launcher left (undefined: none, or no launcher ran). */
export function takeHandedOverProbe(): RepoProbe | undefined {
  const g = globalThis as Record<symbol, RepoProbe | undefined>;
  const probe = g[HANDOVER];
  delete g[HANDOVER];
  return probe;
}
