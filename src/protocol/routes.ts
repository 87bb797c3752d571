import { z } from 'zod';

/** One routing rule: tasks with a capability starting with `prefix` go to `agent`. */
export interface RouteRule {
  /** Capability prefix, e.g. `CAP-SYN-`. */
  readonly prefix: string;
  /** Agent name that receives such tasks, e.g. `reasoning_agent`. */
  readonly agent: string;
  /** `next_agent.reason`; `{capability}` is replaced by the matching capability id. */
  readonly reason: string;
}

/**
 * A routing rule as options, recorded runs and saved states carry it. Agent names become bus
 * subject tokens, so they follow the agent definitions' rule.
 */
export const RouteRuleSchema = z.strictObject({
  prefix: z.string().min(1),
  agent: z.string().regex(/^[^.*>\s]+$/u, 'an agent name may not contain `.`, `*`, `>` or whitespace'),
  reason: z.string(),
});

/**
 * Seed 003's routing table: any `CAP-SYN-*` capability sends a task to `reasoning_agent`; every
 * other `CAP-*` (ACQ, PRE, AUD, SPK, AUD-R, VIS, DAT) goes to `execution_agent`. Rules are tried
 * in order, and a task matches a rule when any of its capabilities does.
 */
export const DEFAULT_ROUTES: readonly RouteRule[] = [
  {
    prefix: 'CAP-SYN-',
    agent: 'reasoning_agent',
    reason: '{capability} is a cross-task synthesis task requiring LLM reasoning across multiple modality outputs',
  },
  { prefix: 'CAP-', agent: 'execution_agent', reason: '{capability} is a tool-calling task requiring MCP invocation' },
];
