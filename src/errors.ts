/**
 * Every failure git-ctx reports is one of these classes. Each has a stable string `code` (tests and
 * JSON consumers match on it, never on the message), structured `data`, an optional `hint`, and the
 * process exit code the contract gives it. Only src/bin.ts turns them into an exit.
 */
export class CtxError extends Error {
  readonly code: string;
  readonly exitCode: number;
  readonly data: Record<string, unknown>;
  readonly hint?: string;

  constructor(code: string, exitCode: number, message: string, opts: { data?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.data = opts.data ?? {};
    this.hint = opts.hint;
  }

  toJSON(): { code: string; message: string; hint?: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, ...(this.hint ? { hint: this.hint } : {}), data: this.data };
  }
}

/** Bad usage or bad input (exit 2). Nothing was written. */
export class UsageError extends CtxError {
  constructor(message: string, opts: { code?: string; data?: Record<string, unknown>; hint?: string } = {}) {
    super(opts.code ?? 'E_USAGE', 2, message, opts);
  }
}

/** Input that breaks a limit or a rule of the entry format (exit 2). Nothing was written. */
export class InvalidInputError extends CtxError {
  constructor(code: string, message: string, opts: { data?: Record<string, unknown>; hint?: string } = {}) {
    super(code, 2, message, opts);
  }
}

/** Not inside a git repository (exit 3). */
export class NotARepositoryError extends CtxError {
  constructor(cwd: string) {
    super('E_NOT_A_REPO', 3, `not a git repository: ${cwd}`, { data: { cwd }, hint: 'run git-ctx inside a git repository (any worktree or subdirectory)' });
  }
}

/** An id or prefix that matches no entry, or more than one (exit 3). */
export class NotFoundError extends CtxError {
  constructor(message: string, opts: { code?: string; data?: Record<string, unknown>; hint?: string } = {}) {
    super(opts.code ?? 'E_NOT_FOUND', 3, message, opts);
  }
}

/** The repository cannot hold a context branch (exit 3): unsupported format, git too old, ... */
export class UnsupportedError extends CtxError {
  constructor(code: string, message: string, opts: { data?: Record<string, unknown>; hint?: string } = {}) {
    super(code, 3, message, opts);
  }
}

/** A remote could not be reached or rejected us after retries (exit 5). */
export class RemoteError extends CtxError {
  constructor(message: string, opts: { code?: string; data?: Record<string, unknown>; hint?: string; cause?: unknown } = {}) {
    super(opts.code ?? 'E_REMOTE', 5, message, opts);
  }
}

/** A git command failed in a way we did not expect (exit 1). Carries argv, exit status and stderr. */
export class GitError extends CtxError {
  constructor(args: readonly string[], status: number | null, stderr: string) {
    const reason = firstLine(stderr) || `exit status ${status}`;
    super('E_GIT', 1, `git ${args.filter((a) => !a.startsWith('-c')).slice(0, 3).join(' ')} failed: ${reason}`, {
      data: { args: [...args], status, stderr },
    });
  }
}

/**
 * Not a failure: the command has printed its result and reports what it found through its exit status
 * (like `git diff --exit-code`): `scan` exits 1 when the history holds secrets. Nothing more is printed.
 */
export class ExitStatus extends CtxError {
  constructor(exitCode: number, message: string) {
    super('E_FOUND', exitCode, message);
  }
}

/** Something that should not happen (exit 1). */
export class InternalError extends CtxError {
  constructor(message: string, opts: { data?: Record<string, unknown>; cause?: unknown } = {}) {
    super('E_INTERNAL', 1, message, opts);
  }
}

export function firstLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  // git prefixes the reason with "fatal:" or "error:"; the most useful line is usually the first such one.
  const reason = lines.find((l) => /^(fatal|error):/.test(l)) ?? lines[0] ?? '';
  return reason.replace(/^(fatal|error):\s*/, '');
}
