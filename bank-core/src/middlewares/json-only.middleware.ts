import type { RequestHandler } from 'express';
import { AppError } from '../errors/app-error';

/**
 * Refuses a request that carries a body in anything but JSON (`text/plain`, `application/xml`, a form, no
 * Content-Type at all) with 415, before express.json skips it and the route would validate an empty body and
 * answer with misleading field errors. A request without a body (GET, a body-less POST) passes.
 */
export const jsonBodiesOnly: RequestHandler = (req, _res, next) => {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (hasBody && !req.is('application/json')) {
    throw new AppError({ code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Send the request body as application/json' });
  }
  next();
};
