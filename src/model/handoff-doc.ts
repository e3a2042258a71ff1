/**
 * The body of a handoff: five sections, in this order, as Markdown level-2 headings. Text given as a
 * whole document (-F FILE or stdin) is split on those headings (any level, any case); text before the
 * first known heading belongs to the Summary, and unknown headings stay inside the section they are in.
 */
export const HANDOFF_SECTIONS = ['summary', 'changed', 'todo', 'decisions', 'context'] as const;
export type HandoffSection = (typeof HANDOFF_SECTIONS)[number];
export type HandoffDoc = Record<HandoffSection, string>;

export const SECTION_TITLES: Record<HandoffSection, string> = {
  summary: 'Summary',
  changed: 'What changed',
  todo: 'What still needs work',
  decisions: 'Key decisions',
  context: 'Active context',
};

export const EMPTY_SECTION = '_Nothing recorded._';

export function emptyDoc(): HandoffDoc {
  return { summary: '', changed: '', todo: '', decisions: '', context: '' };
}

const TITLE_TO_SECTION = new Map<string, HandoffSection>(HANDOFF_SECTIONS.map((s) => [SECTION_TITLES[s].toLowerCase(), s]));

/** Split a document into the five sections. */
export function parseHandoffText(text: string): HandoffDoc {
  const doc = emptyDoc();
  let current: HandoffSection = 'summary';
  const lines: Record<HandoffSection, string[]> = { summary: [], changed: [], todo: [], decisions: [], context: [] };
  for (const line of text.replace(/\r\n/g, '\n').split('\n')) {
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    const section = m ? TITLE_TO_SECTION.get(m[1]!.toLowerCase().replace(/:$/, '')) : undefined;
    if (section) current = section;
    else lines[current].push(line);
  }
  for (const s of HANDOFF_SECTIONS) doc[s] = lines[s].join('\n').trim();
  return doc;
}

/** Join two texts of one section as paragraphs, leaving out empty ones. */
export function joinText(...parts: string[]): string {
  return parts.map((p) => p.trim()).filter(Boolean).join('\n\n');
}

export function renderHandoff(doc: HandoffDoc): string {
  return `${HANDOFF_SECTIONS.map((s) => `## ${SECTION_TITLES[s]}\n\n${doc[s].trim() || EMPTY_SECTION}\n`).join('\n')}`;
}
