/**
 * gitleaks' rules are Go (RE2) expressions, translated at build time into JavaScript ones
 * (scripts/secret-rules.mjs). The translation is checked two ways: the constructs it rewrites, one by
 * one; and, where a Go toolchain is installed, every rule against Go's own regexp package on the
 * secrets corpus and the false-positive texts (same matches at the same offsets).
 */
import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import { compileRules, keywordPattern, sourcePath, translate, translateRule, Untranslatable, withoutPrefix, RELAXED_END, STRICT_END } from '../scripts/secret-rules.mjs';
import { GITLEAKS_STATS } from '../src/model/gitleaks.gen.js';
import { falsePositiveCorpus, makeSamples } from './helpers/secret-samples.js';
import { tempDir } from './helpers/repo.js';

const js = (goSource: string) => {
  const { source, flags } = translateRule(goSource);
  return new RegExp(source, flags);
};

describe('translating Go expressions', () => {
  it('spells out case-insensitive parts, keeps case-sensitive ones, and uses V8\'s i flag for a whole (?i)', () => {
    const prefix = js('\\b(p8e-(?i)[a-z0-9]{4})\\b');
    expect(prefix.test('p8e-AbC9')).toBe(true);
    expect(prefix.test('P8E-abc9')).toBe(false); // before (?i): case-sensitive
    const scoped = js('(?i)key(?-i:[A-Z]{2})');
    expect(scoped.test('KEYAB')).toBe(true);
    expect(scoped.test('keyab')).toBe(false);
    expect(translateRule('(?i)token=[a-z]+').flags).toBe('i');
    expect(translateRule('(?i)a(?-i:B)').flags).toBe('');
  });

  it('turns Go\'s dot, \\z, named groups, (?s:), \\Q..\\E and POSIX classes into their JavaScript meaning', () => {
    expect(js('a.b').test('a\rb')).toBe(true); // Go's dot takes \r...
    expect(js('a.b').test('a\nb')).toBe(false); // ...never \n
    expect(js('a(?s:.)b').test('a\nb')).toBe(true);
    expect(js('end\\z').test('the end')).toBe(true);
    expect(js('end\\z').test('the end\n')).toBe(false);
    expect(js('(?P<tok>x+)y').exec('xxy')![1]).toBe('xx');
    expect(js('\\Qa.b\\E').test('a.b')).toBe(true);
    expect(js('\\Qa.b\\E').test('axb')).toBe(false);
    expect(js('[[:alnum:]]{3}').test('a1Z')).toBe(true);
    expect(js('x{,2}').test('x{,2}')).toBe(true); // not a repetition in Go: literal braces
    expect(js('(?m)^a$').test('b\na\nc')).toBe(true);
  });

  it('refuses what JavaScript cannot say without the u flag', () => {
    expect(() => translate('\\pL+')).toThrow(Untranslatable);
    expect(() => translate('(?U)a+')).toThrow(Untranslatable);
  });

  it('compiles every rule of the rule file, and says how many it translated, relaxed or left out', () => {
    const { rules, stats } = compileRules(readFileSync(sourcePath().file, 'utf8'));
    expect(stats.rules).toBeGreaterThanOrEqual(200);
    expect(stats.dropped).toEqual([]);
    expect(stats.pathOnly).toEqual(['pkcs12-file']); // a rule about file names: nothing to match in text
    expect(rules).toHaveLength(stats.compiled);
    expect(GITLEAKS_STATS).toMatchObject({ rules: stats.rules, compiled: stats.compiled, translated: stats.translated, relaxed: stats.relaxed, prefixes: stats.prefixes });
    for (const r of rules) expect(r.keywords.length, r.id).toBeGreaterThan(0); // every rule is gated by keywords
  });
});

describe('the keyword expression', () => {
  it('finds every keyword of every rule, the longest at each place', () => {
    const { rules } = compileRules(readFileSync(sourcePath().file, 'utf8'));
    const words = [...new Set(rules.flatMap((r) => r.keywords))];
    const re = new RegExp(`^(?:${keywordPattern(words)})`);
    for (const w of words) expect(re.exec(w)?.[0], w).toBe(w);
    expect(new RegExp(`^(?:${keywordPattern(['sk-', 'sk-ant-api03', 'sk-ant-admin01'])})`).exec('sk-ant-api03-x')![0]).toBe('sk-ant-api03');
    expect(new RegExp(`^(?:${keywordPattern(['sk-', 'sk-ant-api03'])})`).exec('sk-ant-other')![0]).toBe('sk-');
  });
});

describe('translated rules match what Go matches', () => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  it.skipIf(go.status !== 0)('every rule, on the corpus and the false-positive texts: same matches and the same secrets at the same offsets', () => {
    const config = parse(readFileSync(sourcePath().file, 'utf8')) as { rules: { id: string; regex?: string }[] };
    const rules = config.rules.filter((r) => r.regex).map((r) => ({ id: r.id, regex: r.regex! }));
    // ASCII only: Go reports byte offsets, JavaScript UTF-16 ones.
    const texts = [...makeSamples(3).map((s) => s.text), ...falsePositiveCorpus()].filter((t) => /^[\x00-\x7f]*$/.test(t));
    const dir = tempDir('git-ctx-go-');
    writeFileSync(join(dir, 'input.json'), JSON.stringify({ rules, texts }));
    writeFileSync(
      join(dir, 'main.go'),
      `package main

import (
	"encoding/json"
	"os"
	"regexp"
)

type input struct {
	Rules []struct{ ID string; Regex string }
	Texts []string
}

func main() {
	var in input
	data, _ := os.ReadFile(os.Args[1])
	if err := json.Unmarshal(data, &in); err != nil { panic(err) }
	out := map[string][][][]int{}
	for _, r := range in.Rules {
		re := regexp.MustCompile(r.Regex)
		for _, t := range in.Texts {
			m := re.FindAllStringSubmatchIndex(t, -1)
			if m == nil { m = [][]int{} }
			out[r.ID] = append(out[r.ID], m)
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
`,
    );
    const want = JSON.parse(execFileSync('go', ['run', join(dir, 'main.go'), join(dir, 'input.json')], { cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28, timeout: 120_000 })) as Record<string, number[][][]>;
    /** gitleaks' secret of a match: its first non-empty group, else the whole match. */
    const secretOf = (idx: number[]) => {
      for (let g = 2; g + 1 < idx.length; g += 2) if (idx[g]! >= 0 && idx[g + 1]! > idx[g]!) return [idx[g]!, idx[g + 1]!];
      return [idx[0]!, idx[1]!];
    };
    const spans = (re: RegExp, t: string) => {
      const out: number[][] = [];
      const global = new RegExp(re.source, `dg${re.flags}`);
      for (let m = global.exec(t); m; m = global.exec(t)) {
        if (m[0].length === 0) global.lastIndex++;
        out.push(m.indices!.flatMap((at) => (at ? [at[0], at[1]] : [-1, -1])));
      }
      return out;
    };
    const differ: string[] = [];
    let matches = 0;
    for (const r of rules) {
      // As translated (before the end boundary is relaxed, a deliberate change of ours): the same matches.
      const whole = js(r.regex);
      // As compiled, without the name prefix: the same secrets.
      const stripped = js(withoutPrefix(r.regex));
      texts.forEach((t, i) => {
        const go = want[r.id]![i]!;
        const got = spans(whole, t);
        matches += got.length;
        const short = (xs: number[][]) => JSON.stringify(xs.map((x) => x.slice(0, 2)));
        if (short(got) !== short(go)) differ.push(`${r.id} on ${JSON.stringify(t.slice(0, 60))}: go ${short(go)} js ${short(got)}`);
        const secrets = (xs: number[][]) => JSON.stringify(xs.map(secretOf));
        if (secrets(spans(stripped, t)) !== secrets(go)) differ.push(`${r.id} (no prefix) on ${JSON.stringify(t.slice(0, 60))}: go ${secrets(go)} js ${secrets(spans(stripped, t))}`);
      });
    }
    expect(matches).toBeGreaterThan(300);
    expect(differ).toEqual([]);
  }, 180_000);

  it('relaxes only the standard end of a token, to a lookahead that refuses what would continue it', () => {
    const rule = js('\\b(npm_[a-z0-9]{6})(?:[\\x60\'"\\s;]|\\\\[nr]|$)');
    expect(rule.source.endsWith(STRICT_END)).toBe(true);
    const relaxed = new RegExp(rule.source.slice(0, -STRICT_END.length) + RELAXED_END, rule.flags);
    expect(relaxed.test('token npm_abc123.')).toBe(true);
    expect(rule.test('token npm_abc123.')).toBe(false);
    expect(relaxed.test('npm_abc1234')).toBe(false);
  });
});
