import { ExecutionGraph } from '../graph/execution-graph.js';
import { readJson } from './io.js';

/**
 * Reads a plan file (or standard input for `-`) within the input limits: a planning agent
 * message or a bare workflow, not yet checked. The one plan reader of `validate`, `graph`,
 * `simulate` and `run`.
 */
export function readPlanFile(path: string): unknown {
  return readJson(path, 'plan');
}

/** Reads a plan file and builds its graph; every failure is a coded {@link SwitchyardError}. */
export function loadGraph(path: string): ExecutionGraph {
  return ExecutionGraph.fromPlan(readPlanFile(path));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A bare workflow (`{ tasks, … }`, as `validate` and `run` take it) wrapped in the planning
 * agent message `step` takes; anything else — a plan message, a callback, junk for `step` to
 * refuse — as it is.
 */
export function asPlanMessage(value: unknown): unknown {
  if (!isObject(value) || 'output' in value || 'agent' in value || !('tasks' in value)) return value;
  return {
    agent: { name: 'planning_agent', type: 'operational' },
    output: { content: { workflow: value }, content_type: 'plan' },
  };
}
