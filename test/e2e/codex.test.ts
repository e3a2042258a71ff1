/** The e2e scenario with the real Codex CLI (see scenario.ts and checks.ts). */
import { scenarioTests } from './checks.js';

scenarioTests('codex');
