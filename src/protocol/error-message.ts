import { z } from 'zod';
import { envelopeSchema } from './envelope.js';

/**
 * The dispatch agent's answer to a message it could not use, or to a result that changed
 * nothing (`content_type: "error"`): `status.code: "failed"` and a coded `error`.
 */
export const ErrorMessageSchema = envelopeSchema(
  'error',
  z.looseObject({
    error: z.looseObject({
      code: z.string().min(1),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  }),
);
export type ErrorMessage = z.infer<typeof ErrorMessageSchema>;
