/**
 * The outside world, passed in. Nothing below src/cli reads process.*, the clock or randomness
 * directly, so tests can fix them and get the same ids and commit hashes on every run.
 */
export interface Deps {
  cwd: string;
  env: Record<string, string | undefined>;
  /** Milliseconds since the epoch. */
  now(): number;
  random(bytes: number): Uint8Array;
  sleep(ms: number): Promise<void>;
  /** Progress and warnings (never results). */
  stderr(text: string): void;
  /** Whether stderr is a terminal (progress indicators redraw in place only then). */
  stderrIsTTY: boolean;
  /** Report progress of long work (the CLI draws it on stderr). */
  progress?(label: string, done: number, total: number): void;
  pid: number;
  /** Whether a process with this pid is running on this host. */
  processAlive(pid: number): boolean;
  hostname: string;
  /** Start `git-ctx ARGS...` in `cwd`, detached, outliving this process (work a deadline cut short). Absent: not possible here. */
  spawnDetached?(args: readonly string[], cwd: string): void;
  /** This process's user id: git's ownership check of a repository (undefined: unknown, git decides). */
  uid?: number;
}

/** The real Deps.processAlive, as src/bin.ts wires it (and the tests' real deps). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
