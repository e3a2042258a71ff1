/** A long handoff in the brief under the default budget: its Summary and What still needs work, not a bare index line. */
import { describe, expect, it } from 'vitest';
import { ctxOk, makeRepo } from './helpers/repo.js';

describe('brief', () => {
  it('shows a long handoff as an excerpt: Summary and What still needs work', async () => {
    const repo = makeRepo({ files: { 'a.txt': 'a\n' } });
    const changed = Array.from({ length: 160 }, (_, i) => `- src/module${i}/file${i}.ts (+${i} -${i}): reworked the parser of module ${i}`).join('\n');
    const doc = `Parser rewrite is half done: lexer and expressions work, statements do not.\n\n## What changed\n\n${changed}\n\n## What still needs work\n\n- statements: \`if\` and \`while\` are not parsed yet\n- test_reserve fails: expected 2 to be 3\n\n## Active context\n\n- branch: parser\n`;
    expect(doc.length).toBeGreaterThan(9000);
    const h = await ctxOk(repo, ['handoff', '-F', '-', '--json'], { input: doc, env: { GIT_CTX_SESSION: 'writer' } });
    const r = await ctxOk(repo, ['brief', '--json'], { env: { GIT_CTX_SESSION: 'reader' } });
    const section = r.json.sections.find((s: { key: string }) => s.key === 'handoffs');
    expect(section.items.map((i: { id: string; shown: string }) => [i.id, i.shown])).toEqual([[h.json.id, 'excerpt']]);
    const text = (await ctxOk(repo, ['brief'], { env: { GIT_CTX_SESSION: 'reader' } })).stdout;
    expect(text).toContain('Parser rewrite is half done: lexer and expressions work, statements do not.');
    expect(text).toContain('## What still needs work\n\n- statements: `if` and `while` are not parsed yet\n- test_reserve fails: expected 2 to be 3');
    expect(text).toContain(`git ctx show ${h.json.id}\` prints the whole`);
    expect(text).not.toContain('src/module100/file100.ts');
    expect(r.json.tokens).toBeLessThanOrEqual(2000);
  });
});
