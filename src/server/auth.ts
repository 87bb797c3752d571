import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, SwitchyardError } from '../protocol/errors.js';
import { sendError } from './http-errors.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * A bearer-token check (an `onRequest` hook): `Authorization: Bearer <token>` on every request
 * but those `isPublic` lets through (the health check). Never a query parameter, which would
 * end up in access logs. Compared in constant time over digests, so neither the token's
 * content nor its length leaks through timing.
 */
export function bearerAuth(token: string, isPublic: (request: FastifyRequest) => boolean) {
  const expected = digest(token);
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    if (isPublic(request)) return;
    const header = request.headers.authorization;
    const given = typeof header === 'string' && /^Bearer /iu.test(header) ? header.slice(7).trim() : undefined;
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return;
    await sendError(
      reply,
      new SwitchyardError(
        ErrorCodes.UNAUTHENTICATED,
        given === undefined
          ? 'This service needs its bearer token: send `Authorization: Bearer <token>` (the token `switchyard serve` was given with --token or $SWITCHYARD_TOKEN).'
          : 'The bearer token is not this service’s: send the token `switchyard serve` was given.',
        {},
      ),
    );
  };
}
