import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { readJsonAnswer } from '../../planning/json-answer.js';
import {
  type AgentContext,
  type AgentDefinition,
  type AgentOutput,
  AgentError,
  defineAgent,
} from '../../pool/agent.js';
import { defineAgentFactory } from '../../pool/agent-factory.js';
import type { Dispatch } from '../../protocol/dispatch-output.js';
import { ErrorCodes } from '../../protocol/errors.js';
import { LlmAgentOptionsShape, limitsOf } from './agent-options.js';
import { type InputLimits, readInputs } from './inputs.js';
import { type AgentLlm, agentLlm, ask, usageOf } from './llm-options.js';
import { taskPrompt } from './task-prompt.js';
import { CodeWriterAnswerSchema, checkPaths, runDirectory, writeFiles } from './workspace-files.js';

export { CodeWriterAnswerSchema, type CodeWriterAnswer } from './workspace-files.js';

/** Options of the code writer module (its `agents` entry's `options`). */
export const CodeWriterOptionsSchema = z.strictObject({
  /** The agent's name: the routing target. @default 'code_writer' */
  name: z.string().min(1).default('code_writer'),
  ...LlmAgentOptionsShape,
  /** The language to write: `typescript`, `javascript`, `python`, … (told to the model). @default 'typescript' */
  language: z
    .string()
    .regex(/^[A-Za-z0-9+#._-]{1,40}$/u, 'a language name such as typescript or python')
    .default('typescript'),
  /** Ask for tests beside the code. @default true */
  includeTests: z.boolean().default(true),
  /** Ask for documentation beside the code. @default true */
  includeDocs: z.boolean().default(true),
  /** The directory holding one workspace directory per run (relative to the process's). @default '.switchyard/workspace' */
  workspace: z.string().min(1).default('.switchyard/workspace'),
});
export type CodeWriterOptions = z.input<typeof CodeWriterOptionsSchema>;

export const CODE_WRITER_SYSTEM_PROMPT =
  'You are the code writer of a workflow. Write complete, working files for the task — no placeholders, no TODOs standing in for code. Answer only with JSON {"files": [{"path", "content", "kind"}]}: paths relative to the project root, / separated, never absolute and never with ..; kind is "code", "test" or "doc".';

interface Setup {
  readonly llm: AgentLlm | undefined;
  readonly system: string;
  readonly limits: InputLimits;
  readonly o: z.infer<typeof CodeWriterOptionsSchema>;
}

function instruction(o: Setup['o']): string {
  const also = [o.includeTests ? 'tests (kind "test")' : '', o.includeDocs ? 'documentation (kind "doc")' : '']
    .filter(Boolean)
    .join(' and ');
  return `Write it in ${o.language}${also ? `, with ${also}` : ''}.`;
}

async function handle(s: Setup, dispatch: Dispatch, ctx: AgentContext): Promise<AgentOutput> {
  if (s.llm === undefined)
    throw new AgentError(
      ErrorCodes.CAPABILITY_NOT_AVAILABLE,
      `The code writer needs a language model to write ${dispatch.task_id}, and none is configured: give the agent an llm option, or set SWITCHYARD_LLM_BASE_URL and SWITCHYARD_LLM_MODEL. It writes no placeholder code.`,
      { recoverable: false },
    );
  const docs = await readInputs(dispatch, ctx, s.limits);
  ctx.progress({ message: `asking ${s.llm.backend.model} for ${s.o.language} files` });
  const response = await ask(
    s.llm,
    {
      messages: [
        { role: 'system', content: s.system },
        { role: 'user', content: `${taskPrompt(dispatch, docs, s.limits)}\n\n${instruction(s.o)}` },
      ],
      json: { name: 'files', schema: z.toJSONSchema(CodeWriterAnswerSchema) as Record<string, unknown> },
    },
    ctx.signal,
  );
  const answer = readJsonAnswer(response.text, CodeWriterAnswerSchema, 'files');
  // An answer that is not the asked-for JSON is a model inference error: another attempt may do better.
  if (!answer.ok) throw new AgentError('LLM_BAD_ANSWER', answer.error.message, { recoverable: true });
  checkPaths(answer.value.files);
  const dir = await runDirectory(resolve(s.o.workspace), ctx.workflowId);
  const files = await writeFiles(dir, answer.value.files);
  const usage = usageOf([response]);
  const manifest = {
    task_id: dispatch.task_id,
    attempt: dispatch.attempt,
    language: s.o.language,
    workspace: pathToFileURL(dir).href,
    model: response.model,
    files,
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  for (const ref of dispatch.output_refs_expected) await ctx.write(ref, text, { assetType: 'application/json' });
  const counts = (['code', 'test', 'doc'] as const).map((k) => `${files.filter((f) => f.kind === k).length} ${k}`);
  return {
    summary: `${files.length} ${s.o.language} file(s) written (${counts.join(', ')}) into ${manifest.workspace}`,
    ...(usage ? { usage } : {}),
  };
}

/**
 * The code writer, built from its options: asks the model for a task's files as validated JSON,
 * refuses the whole answer if a path is unsafe, writes the files into the run's workspace
 * directory and the manifest (path, kind, size, SHA-256, URI of each) as the task's output. With
 * no model it fails its tasks as `CAPABILITY_NOT_AVAILABLE`, not recoverable.
 */
export function createCodeWriter(options: unknown, env: NodeJS.ProcessEnv = process.env): AgentDefinition {
  const o = CodeWriterOptionsSchema.parse(options);
  const s: Setup = {
    llm: agentLlm(o.llm, env),
    system: o.systemPrompt ?? CODE_WRITER_SYSTEM_PROMPT,
    limits: limitsOf(o),
    o,
  };
  return defineAgent({
    name: o.name,
    capabilities: o.capabilities ?? ['CAP-CODE-*', 'CAP-DOC-*'],
    handle: (dispatch, ctx) => handle(s, dispatch, ctx),
  });
}

/** The module's default export: `agents: [{ module: codeWriterAgent, options: { llm, language } }]`. */
export default defineAgentFactory((options) => createCodeWriter(options));
