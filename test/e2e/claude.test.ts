/** The e2e scenario with the real Claude Code CLI (see scenario.ts and checks.ts). */
import { scenarioTests } from './checks.js';

scenarioTests('claude');
