/**
 * TEST DOUBLE at the network boundary: a real local HTTP server that speaks OpenAI's
 * chat-completions protocol and REPLAYS A SCRIPT of canned answers, in order, recording every
 * request. It is not a model, knows nothing about the prompts it gets, and must never be
 * presented as one: it exists so tests can drive the real `openai` client through real HTTP
 * (retries, timeouts, error bodies, broken bodies) without a model server.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';
import { z } from 'zod';

/** Token counts as an OpenAI-style `usage` object. */
export interface DoubleUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** One scripted answer, used by the next chat-completions request. */
export type ScriptEntry =
  /** A normal completion whose message content is `content`. */
  | { content: string; usage?: DoubleUsage; finishReason?: string; model?: string }
  /** An OpenAI-style error body with this HTTP status (add `retry-after-ms: '1'` to 429s). */
  | {
      status: number;
      error: { message: string; type?: string; code?: string | null };
      headers?: Record<string, string>;
    }
  /** A completion whose message refuses (`content: null`, `refusal`). */
  | { refusal: string }
  /** Never answers; the socket stays open until the double is closed. */
  | { hang: true }
  /** A body sent as-is with `content-type: application/json` (default status 200). */
  | { raw: string; status?: number };

/** The parts of a chat-completions request body tests assert on. */
const RequestBodySchema = z.looseObject({
  model: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  temperature: z.number().optional(),
  max_tokens: z.number().optional(),
  response_format: z.looseObject({ type: z.string() }).optional(),
});

/** A request as the double received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | undefined;
  readonly headers: IncomingHttpHeaders;
  /** The chat-completions body, read through its schema; `undefined` for other requests. */
  readonly body: z.infer<typeof RequestBodySchema> | undefined;
}

export interface OpenAiTestDoubleOptions {
  /** `response_format` types answered with a 400 "not supported" (the entry is not used up). */
  rejectResponseFormat?: ReadonlyArray<'json_schema' | 'json_object'>;
  /** Models `GET /v1/models` lists. @default ['double-model'] */
  models?: readonly string[];
  /**
   * Picks the scripted answer from the request, for callers that ask concurrently or in an
   * order the test does not fix (a run's agents); `undefined` falls back to the script queue.
   * Still a script: it answers by rules the test wrote, not by reading the prompt as a model would.
   */
  answerFor?: (body: NonNullable<RecordedRequest['body']>) => ScriptEntry | undefined;
}

export interface OpenAiTestDouble {
  /** `http://127.0.0.1:<port>/v1`, for `openAiCompatible({ baseURL })`. */
  readonly baseURL: string;
  /** `http://127.0.0.1:<port>`, without the `/v1`. */
  readonly origin: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[];
  /** Script entries not yet used. */
  remaining(): number;
  /** Stops the server and destroys every open socket, hanging ones too. */
  close(): Promise<void>;
}

const CREATED = 1_700_000_000;

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string')
    throw new Error('openai test double: the server is not listening on a TCP port');
  return address.port;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

function errorBody(message: string, type = 'invalid_request_error', code: string | null = null) {
  return { error: { message, type, param: null, code } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function parseBody(text: string): RecordedRequest['body'] {
  try {
    const parsed = RequestBodySchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** Starts the double on 127.0.0.1 at a free port, to answer with `script` in order. */
export async function startOpenAiTestDouble(
  script: readonly ScriptEntry[],
  options: OpenAiTestDoubleOptions = {},
): Promise<OpenAiTestDouble> {
  const queue = [...script];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const rejected = new Set<string>(options.rejectResponseFormat ?? []);
  let answered = 0;

  function answer(res: ServerResponse, model: string, entry: ScriptEntry): void {
    answered += 1;
    const id = `chatcmpl-double-${answered}`;
    if ('hang' in entry) return;
    if ('raw' in entry) return send(res, entry.status ?? 200, entry.raw);
    if ('status' in entry)
      return send(
        res,
        entry.status,
        errorBody(entry.error.message, entry.error.type, entry.error.code ?? null),
        entry.headers,
      );
    const refusal = 'refusal' in entry;
    const message = refusal
      ? { role: 'assistant', content: null, refusal: entry.refusal }
      : { role: 'assistant', content: entry.content, refusal: null };
    send(res, 200, {
      id,
      object: 'chat.completion',
      created: CREATED,
      model: !refusal && entry.model !== undefined ? entry.model : model,
      choices: [
        {
          index: 0,
          message,
          logprobs: null,
          finish_reason: !refusal && entry.finishReason !== undefined ? entry.finishReason : 'stop',
        },
      ],
      ...(!refusal && entry.usage ? { usage: entry.usage } : {}),
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://double').pathname;
    const text = await readBody(req);
    const body = req.method === 'POST' ? parseBody(text) : undefined;
    requests.push({
      method: req.method ?? '',
      path,
      authorization: req.headers.authorization,
      headers: req.headers,
      body,
    });
    if (req.method === 'GET' && path === '/v1/models') {
      const data = (options.models ?? ['double-model']).map((id) => ({
        id,
        object: 'model',
        created: CREATED,
        owned_by: 'openai-test-double',
      }));
      return send(res, 200, { object: 'list', data });
    }
    if (req.method !== 'POST' || (path !== '/v1/chat/completions' && path !== '/chat/completions')) {
      return send(
        res,
        404,
        errorBody(`openai test double: no route ${req.method ?? ''} ${path}`, 'invalid_request_error', 'not_found'),
      );
    }
    if (body === undefined)
      return send(res, 400, errorBody('openai test double: the body is not a chat-completions request'));
    const format = body.response_format?.type;
    if (format !== undefined && rejected.has(format)) {
      return send(
        res,
        400,
        errorBody(`response_format ${format} is not supported`, 'invalid_request_error', 'unsupported_parameter'),
      );
    }
    const entry = options.answerFor?.(body) ?? queue.shift();
    if (entry === undefined) {
      // x-should-retry: false, so the client fails at once instead of retrying into the same wall.
      const message = `openai test double: the script is exhausted (${answered} answers given); this request was not expected`;
      return send(res, 500, errorBody(message, 'server_error'), { 'x-should-retry': 'false' });
    }
    answer(res, body.model, entry);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() =>
      send(res, 500, errorBody('openai test double: failed to read the request', 'server_error')),
    );
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${portOf(server)}`;

  return {
    baseURL: `${origin}/v1`,
    origin,
    requests,
    remaining: () => queue.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (bound, then released), for connection-refused tests. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = portOf(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
