import type { RuntimeRegistry } from '../actors/runtime-registry.js';
import type { CompiledPlan } from '../core/compiled-plan.js';
import type { RouteRule } from '../core/routing.js';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/** A task no registered runtime can serve: the agent its route names, and its capabilities. */
export interface UnservedTask {
  readonly task_id: string;
  readonly agent: string;
  readonly capabilities: readonly string[];
}

/** How many unserved tasks the error's sentence names; its details list them all. */
const NAMED = 5;

/** The tasks of `plan` that no runtime in `registry` serves (by agent and every capability), in plan order. */
export function unservedTasks(
  plan: CompiledPlan,
  routes: readonly RouteRule[],
  registry: RuntimeRegistry,
): UnservedTask[] {
  const unserved: UnservedTask[] = [];
  // Tasks share agents and capability sets: ask the registry once per distinct pair.
  const known = new Map<string, boolean>();
  for (let v = 0; v < plan.n; v++) {
    const agent = routes[plan.route[v]].agent;
    const capabilities = plan.tasks[v].capability_ids;
    const key = `${agent}\u0000${capabilities.join('\u0000')}`;
    let served = known.get(key);
    if (served === undefined) known.set(key, (served = registry.anyServes(agent, capabilities)));
    if (!served) unserved.push({ task_id: plan.ids[v], agent, capabilities });
  }
  return unserved;
}

/**
 * Seed 002's validation that resources and capabilities are available, at submit: refuses a
 * plan with tasks no registered runtime serves (`CAPABILITY_NOT_AVAILABLE`, every such task in
 * `details.tasks`) rather than letting each fail when it is dispatched.
 */
export function checkServed(plan: CompiledPlan, routes: readonly RouteRule[], registry: RuntimeRegistry): void {
  const unserved = unservedTasks(plan, routes, registry);
  if (unserved.length === 0) return;
  const named = unserved
    .slice(0, NAMED)
    .map((t) => `${t.task_id} (${t.agent}: ${t.capabilities.join(', ')})`)
    .join('; ');
  const more = unserved.length > NAMED ? ` and ${unserved.length - NAMED} more` : '';
  throw new SwitchyardError(
    ErrorCodes.CAPABILITY_NOT_AVAILABLE,
    `No registered runtime serves ${unserved.length} task${unserved.length === 1 ? '' : 's'} of this plan: ${named}${more}. ` +
      'Host an agent of that name for those capabilities (createRuntime({ agents }) or a `switchyard runtime`), ' +
      'route them elsewhere (createRuntime({ routes })), wait for remote runtimes first (waitForRuntimes), ' +
      'or submit with { checkCapabilities: false } to let such tasks fail when they are dispatched.',
    { tasks: unserved },
  );
}
