import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { step } from '../../core/step.js';
import type { DispatchState } from '../../core/run-state.js';
import { StepBodySchema, StepResultSchema } from '../api-schemas.js';
import { ErrorBodySchema } from '../http-errors.js';

/**
 * Seed 003's dispatch agent over HTTP, for orchestration layers (n8n and the like): exactly
 * `step` — `{ state?, message } → { state, messages }`, stateless, deterministic (time comes
 * from the message's `metadata.timestamp`). Unusable messages are answered as `step` answers
 * them, with a coded `error` message and the state unchanged, and HTTP 200: the protocol's
 * answer, not a transport failure.
 */
export function stepRoutes(app: FastifyInstance): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/step',
    {
      schema: {
        summary: 'The dispatch agent: one message in, the new state and the messages to send out',
        tags: ['dispatch agent'],
        body: StepBodySchema,
        response: { 200: StepResultSchema, 400: ErrorBodySchema },
      },
    },
    (request) => {
      const { state, message, options } = request.body;
      const result = step(state as DispatchState | undefined, message, {
        ...(options?.policy === undefined ? {} : { policy: options.policy }),
        ...(options?.max_attempts === undefined ? {} : { maxAttempts: options.max_attempts }),
      });
      return {
        ...(result.state === undefined ? {} : { state: result.state }),
        messages: result.messages as unknown as Record<string, unknown>[],
      };
    },
  );
}
