// Types of scripts/secret-rules.mjs, for the tests that check the translation.
import type { GitleaksAllowlist, GitleaksRule } from '../src/model/secret-engine.js';

export declare const SOURCE_PACKAGE: string;
export declare const STRICT_END: string;
export declare const NAME_PREFIX: RegExp;
export declare function withoutPrefix(regex: string, prefix?: RegExpExecArray | null): string;
export declare const RELAXED_END: string;
export declare const GENERATED: string;
export declare class Untranslatable extends Error {}
export interface CaptureGroup {
  at: number;
  literal: boolean;
  quantified: boolean;
}
export declare function translate(src: string, groups?: CaptureGroup[]): string;
export declare function translateRule(src: string): { source: string; flags: string; groups: CaptureGroup[] };
export declare function sourcePath(): { file: string; version: string };
export interface CompileStats {
  rules: number;
  compiled: number;
  translated: number;
  relaxed: number;
  prefixes: number;
  dropped: { id: string; reason: string }[];
  pathOnly: string[];
  allowlistRegexesDropped: number;
}
export declare function compileRules(text: string): { rules: GitleaksRule[]; global: GitleaksAllowlist[]; stats: CompileStats };
export declare function generate(): { stats: CompileStats; origin: string; sha256: string; version: string };
export declare function keywordPattern(words: string[]): string;
