import { z } from 'zod';
import { RuntimeIdSchema, ServedAgentSchema } from './runtime-events.js';

/** What the dispatcher shows of one registered runtime (its actor's snapshot, and `RuntimeList`). */
export const RuntimeViewSchema = z
  .looseObject({
    runtime_id: RuntimeIdSchema.describe('The runtime.'),
    agents: z.array(ServedAgentSchema).describe('The agents it runs, each with the capabilities it serves.'),
    capacity: z
      .number()
      .int()
      .min(0)
      .describe('How many attempts it takes at once (those it runs and those it holds).'),
    concurrency: z.number().int().min(0).describe('How many of `capacity` it runs at once.'),
    in_flight: z.number().int().min(0).describe('Attempts the dispatcher has placed on it that have not ended.'),
    draining: z
      .boolean()
      .describe('Drained: it gets no new attempts, finishes what it holds, and its results are taken.'),
  })
  .describe('One registered runtime as the dispatcher sees it.');
export type RuntimeView = z.infer<typeof RuntimeViewSchema>;

/** On `<p>.commands.dispatcher.runtimes`: asks the dispatcher for its registered runtimes. */
export const ListRuntimesSchema = z
  .looseObject({ type: z.literal('ListRuntimes') })
  .describe('Asks the dispatcher for the runtimes it has registered; it answers `RuntimeList`.');
export type ListRuntimes = z.infer<typeof ListRuntimesSchema>;

/** The dispatcher's answer to `ListRuntimes`. */
export const RuntimeListSchema = z
  .looseObject({
    type: z.literal('RuntimeList'),
    runtimes: z.array(RuntimeViewSchema).describe('Every registered runtime, in registration order.'),
    queued: z.number().int().min(0).describe('Attempts waiting at the dispatcher for a runtime with room.'),
  })
  .describe("The dispatcher's registered runtimes, and how many attempts wait for room.");
export type RuntimeList = z.infer<typeof RuntimeListSchema>;

/** On `<p>.commands.dispatcher.drain`: stop (or resume) placing new attempts on a runtime. */
export const DrainRuntimeSchema = z
  .looseObject({
    type: z.literal('DrainRuntime'),
    runtime_id: RuntimeIdSchema.describe('The runtime to drain or undrain.'),
    drain: z
      .boolean()
      .describe('`true`: place nothing new on it (what it holds finishes); `false`: place work on it again.'),
  })
  .describe('Drains a runtime (no new attempts; it finishes what it holds) or undrains it.');
export type DrainRuntime = z.infer<typeof DrainRuntimeSchema>;

/** The dispatcher's answer to a `DrainRuntime` it carried out; an unknown runtime gets an `Error` (`RUNTIME_NOT_FOUND`). */
export const DrainAcceptedSchema = z
  .looseObject({
    type: z.literal('DrainAccepted'),
    runtime_id: RuntimeIdSchema.describe('The runtime drained or undrained.'),
    draining: z.boolean().describe('Whether it is draining now.'),
  })
  .describe('The dispatcher drained (or undrained) the runtime.');
export type DrainAccepted = z.infer<typeof DrainAcceptedSchema>;
