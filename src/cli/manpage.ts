/**
 * The manual page, git-ctx(1), rendered from the commander program itself: the commands, their
 * arguments and options, and the descriptions `-h` prints, so that the page and `-h` never disagree.
 * `git ctx --help` is `git help ctx`, which shows this page (`man git-ctx`); the build writes it to
 * dist/man/git-ctx.1, which npm installs with the package ("man" in package.json).
 */
import type { Command, Help } from 'commander';

/** Text as roff: backslashes and leading dots or quotes escaped, dashes kept literal. */
function roff(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

function bold(text: string): string {
  return `\\fB${roff(text)}\\fR`;
}

/** One command's section: usage, description, arguments and options, as `-h` shows them. */
function commandSection(cmd: Command, help: Help): string[] {
  const out = ['.TP', `${bold(`git ctx ${cmd.name()}`)} ${roff(cmd.usage())}`, roff(cmd.description())];
  const args = help.visibleArguments(cmd);
  const opts = help.visibleOptions(cmd).filter((o) => o.long !== '--help');
  if (args.length || opts.length) out.push('.RS');
  for (const a of args) out.push('.TP', `\\fI${roff(help.argumentTerm(a))}\\fR`, roff(help.argumentDescription(a)));
  for (const o of opts) out.push('.TP', bold(help.optionTerm(o)), roff(help.optionDescription(o)));
  if (args.length || opts.length) out.push('.RE');
  return out;
}

export interface ManPageInfo {
  version: string;
  /** The exit statuses, as (status, meaning). */
  exits: readonly (readonly [number, string])[];
  /** Dated as of the package, not of the build: the same sources give the same page. */
  date: string;
}

export function renderManPage(program: Command, info: ManPageInfo): string {
  const help = program.createHelp();
  const commands = [...program.commands].sort((a, b) => a.name().localeCompare(b.name()));
  const lines = [
    `.TH GIT\\-CTX 1 "${info.date}" "git\\-ctx ${roff(info.version)}" "git-ctx manual"`,
    '.SH NAME',
    `git\\-ctx \\- ${roff(program.description())}`,
    '.SH SYNOPSIS',
    '.B git ctx',
    '.I command',
    '[\\fIoptions\\fR] [\\fB\\-\\-json\\fR]',
    '.br',
    '.B git ctx',
    '.I command',
    '.B \\-h',
    '.SH DESCRIPTION',
    roff(
      'git-ctx keeps notes, decisions, postmortems, handoffs, messages and tasks as commits on an orphan ' +
        'branch of the repository itself (context by default), so that every worktree shares them at once ' +
        'and every machine gets them through the repository\'s own remote (git ctx sync). It never touches ' +
        'your index, HEAD or branches: it moves only its own refs.',
    ),
    '.PP',
    roff('Every command takes --json and then prints one JSON document on stdout (errors too: {"error": {"code": ...}}).'),
    '.SH COMMANDS',
    ...commands.flatMap((c) => commandSection(c, help)),
    '.SH EXIT STATUS',
    ...info.exits.flatMap(([n, what]) => ['.TP', `\\fB${n}\\fR`, roff(what)]),
    '.SH FILES',
    '.TP',
    bold('refs/heads/context'),
    roff('the context branch (ctx.branch): one entry per file under entries/, one commit per write.'),
    '.TP',
    bold('.git/ctx/'),
    roff('what git-ctx derives and keeps for this clone: the index cache (rebuilt from the branch when damaged), session state, hook logs. Deleting it loses nothing.'),
    '.SH SEE ALSO',
    roff('git(1), git-worktree(1). The README and docs/ of the package: the daily loop, agents, sync, the data model.'),
    '',
  ];
  return lines.join('\n');
}
