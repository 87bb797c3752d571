import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import { z } from 'zod';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';

/** The body of every error the service answers: the project's coded error, as JSON. */
export const ErrorBodySchema = z
  .strictObject({
    error: z.strictObject({
      code: z.string(),
      message: z.string(),
      details: z.record(z.string(), z.unknown()),
    }),
  })
  .meta({ id: 'Error' });

/** The HTTP status of each code a request can be answered with; any other code is a 500. */
const STATUS: Readonly<Record<string, number>> = {
  [ErrorCodes.INVALID_INPUT]: 400,
  [ErrorCodes.INVALID_ID]: 400,
  [ErrorCodes.VALIDATION_ERROR]: 422,
  [ErrorCodes.PROCESSING_ERROR]: 422,
  [ErrorCodes.CAPABILITY_NOT_AVAILABLE]: 422,
  [ErrorCodes.UNAUTHENTICATED]: 401,
  [ErrorCodes.NOT_FOUND]: 404,
  [ErrorCodes.RUN_NOT_FOUND]: 404,
  [ErrorCodes.TASK_NOT_FOUND]: 404,
  [ErrorCodes.RUN_EXISTS]: 409,
  [ErrorCodes.RUN_ENDED]: 409,
  [ErrorCodes.RUN_LOCKED]: 409,
  [ErrorCodes.TASK_ENDED]: 409,
  [ErrorCodes.LOG_GAP]: 409,
  [ErrorCodes.CLOSED]: 503,
  [ErrorCodes.REQUEST_TIMEOUT]: 504,
  [ErrorCodes.UNSUPPORTED]: 501,
};

/** The status `code` is answered with. */
export function httpStatus(code: string): number {
  return STATUS[code] ?? 500;
}

/** Sends `error` as the coded JSON body with its status. */
export function sendError(reply: FastifyReply, error: SwitchyardError): FastifyReply {
  return reply
    .code(httpStatus(error.code))
    .type('application/json; charset=utf-8')
    .send({ error: { code: error.code, message: error.message, details: { ...error.details } } });
}

/** A request the schema refused: the first issue's path and message, as a person can act on them. */
function invalidRequest(error: FastifyError): SwitchyardError {
  const issues = (error.validation ?? []).map((v) => ({
    where: `${error.validationContext ?? 'request'}${v.instancePath ? v.instancePath.replaceAll('/', '.') : ''}`,
    message: v.message ?? 'is not valid',
  }));
  const first = issues[0];
  return new SwitchyardError(
    ErrorCodes.INVALID_INPUT,
    first ? `The request's ${first.where} ${first.message}.` : `The request is not valid: ${error.message}.`,
    { issues },
  );
}

/** What fastify itself refuses (a body that is not JSON, too large, a wrong content type) as coded errors. */
function fromFastify(error: FastifyError): SwitchyardError {
  if (hasZodFastifySchemaValidationErrors(error)) return invalidRequest(error);
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500)
    return new SwitchyardError(ErrorCodes.INVALID_INPUT, `The request was refused: ${error.message}.`, {
      http_status: status,
      fastify_code: error.code,
    });
  return new SwitchyardError(
    ErrorCodes.PROCESSING_ERROR,
    'The service failed internally while handling this request; nothing was changed by it. The server log has the details.',
    {},
  );
}

/**
 * The service's error handler: a `SwitchyardError` goes out with its code and the status for it,
 * a refused request as `INVALID_INPUT` (400, or fastify's own 4xx status), anything else as a
 * 500 that leaks no stack, logged.
 */
export function errorHandler(logger: Logger) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    if (error instanceof SwitchyardError) return sendError(reply, error);
    const coded = fromFastify(error);
    const status = hasZodFastifySchemaValidationErrors(error) ? 400 : (error.statusCode ?? 500);
    if (status >= 500) logger.error({ err: error, url: request.url }, 'request failed');
    return reply
      .code(status >= 400 && status < 600 ? status : 500)
      .send({ error: { code: coded.code, message: coded.message, details: { ...coded.details } } });
  };
}

/** Unknown routes: `NOT_FOUND`, naming what was asked for. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return sendError(
    reply,
    new SwitchyardError(
      ErrorCodes.NOT_FOUND,
      `There is no ${request.method} ${request.url.split('?')[0]} here. GET /openapi.json lists what the service answers.`,
      { method: request.method, url: request.url.split('?')[0] },
    ),
  );
}
