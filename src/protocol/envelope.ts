import { z } from 'zod';

/** `agent`: who sent the message. */
export const AgentInfoSchema = z.looseObject({
  name: z.string().min(1),
  type: z.string().min(1),
});

/** `next_agent`: who should act on the message next, and why. */
export const NextAgentSchema = z.looseObject({
  name: z.string().min(1),
  reason: z.string(),
});

/** `audit`: governance files consulted and compliance notes. */
export const AuditSchema = z.looseObject({
  governance_files_consulted: z.array(z.string()).optional(),
  compliance_notes: z.union([z.array(z.string()), z.string()]).optional(),
});

/** `status` of a message: `failed` marks an error or a failed task. */
export const MessageStatusSchema = z.looseObject({
  code: z.string().min(1),
  message: z.string().optional(),
});

/** `error` of a failed message: a code, a sentence and whether retrying can help. */
export const ErrorInfoSchema = z.looseObject({
  code: z.string().min(1),
  message: z.string(),
  recoverable: z.boolean().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export type ErrorInfo = z.infer<typeof ErrorInfoSchema>;

/** `metadata`: correlation ids and the sequence number (planning agent = 3, dispatch = 4, …). */
export const MetadataSchema = z.looseObject({
  session_id: z.string().optional(),
  request_id: z.string().optional(),
  sequence_number: z.number().int().nonnegative().optional(),
  timestamp: z.string().optional(),
});

/** `input`: where the message came from. */
export const InputInfoSchema = z.looseObject({
  source: z.string().min(1),
});

/**
 * The envelope every agent message shares, with `output.content` typed by `content` and
 * `output.content_type` fixed to `contentType`. Unknown fields are kept.
 */
export function envelopeSchema<const T extends string, C extends z.ZodType>(contentType: T, content: C) {
  return z.looseObject({
    agent: AgentInfoSchema,
    input: InputInfoSchema.optional(),
    output: z.looseObject({
      content,
      content_type: z.literal(contentType),
    }),
    next_agent: NextAgentSchema.optional(),
    metadata: MetadataSchema.optional(),
    audit: AuditSchema.optional(),
    status: MessageStatusSchema.optional(),
    error: ErrorInfoSchema.optional(),
  });
}
