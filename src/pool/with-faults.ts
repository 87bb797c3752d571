import { z } from 'zod';
import { type AgentDefinition, AgentError } from './agent.js';

/** Tasks to fail on purpose, by id: recoverably or not, on every attempt or the first `times`. */
export const FaultsSchema = z.record(
  z.string(),
  z.strictObject({ recoverable: z.boolean(), times: z.number().int().min(1).optional() }),
);

/** Tasks to fail on purpose (demos, drills), by id. */
export type Faults = Readonly<Record<string, { readonly recoverable: boolean; readonly times?: number }>>;

/**
 * `agent`, failing on purpose the attempts of the tasks `faults` names: their handler is not
 * run; the attempt fails with `INJECTED_FAULT`, recoverable as the fault says — for the first
 * `times` attempts, or every one. Other tasks run as `agent` would. The pool applies it to the
 * agents of a worker only when it is given faults (`switchyard run --fail`, the demo), so a
 * runtime without them never looks.
 *
 * @example
 * const drill = withFaults(agent, { task_5: { recoverable: true, times: 1 } });
 */
export function withFaults(agent: AgentDefinition, faults: Faults): AgentDefinition {
  return Object.freeze({
    name: agent.name,
    capabilities: agent.capabilities,
    handle(dispatch, context) {
      const fault = Object.hasOwn(faults, dispatch.task_id) ? faults[dispatch.task_id] : undefined;
      if (fault && (fault.times === undefined || dispatch.attempt <= fault.times)) {
        const message = `Injected ${fault.recoverable ? 'recoverable' : 'non-recoverable'} fault: ${dispatch.task_id} attempt ${dispatch.attempt} was failed on purpose.`;
        throw new AgentError('INJECTED_FAULT', message, { recoverable: fault.recoverable });
      }
      return agent.handle(dispatch, context);
    },
  } satisfies AgentDefinition);
}
