import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { InputError, NotFoundError } from '../errors';
import { RetryRejectedError } from '../retries/retry-delivery';

/** The one error type that maps to an HTTP outcome; rendered as application/problem+json (RFC 9457). */
export class HttpProblem extends Error {
  override name = 'HttpProblem';
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const notFound: RequestHandler = (req, _res, next) => {
  next(new HttpProblem(404, 'Not Found', `No route for ${req.method} ${req.path}`));
};

/** Internals never leak: anything that is not an HttpProblem becomes a bare 500 and is logged. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    // A streamed answer (an export) failed midway: its status is sent, so the client can only see it cut short.
    if (res.headersSent) {
      logger.error({ err: error, method: req.method, path: req.path }, 'error after the answer began');
      res.destroy();
      return;
    }
    let problem: HttpProblem;
    if (error instanceof HttpProblem) problem = error;
    else if (error instanceof InputError) problem = new HttpProblem(400, 'Bad Request', error.message, { errors: [{ field: error.field, message: error.reason }] });
    else if (error instanceof RetryRejectedError) problem = new HttpProblem(409, 'Conflict', error.message);
    else if (error instanceof NotFoundError) problem = new HttpProblem(404, 'Not Found', `${error.field}: ${error.message}`, { errors: [{ field: error.field, message: error.message }] });
    // Express's router could not percent-decode a path parameter (`%zz`, `%c3%28`): the client's mistake.
    else if (error instanceof URIError) problem = new HttpProblem(400, 'Bad Request', 'The path is not valid percent-encoded UTF-8.', { errors: [{ field: 'path', message: 'not valid percent-encoded UTF-8' }] });
    else if (isBodyParserError(error)) problem = new HttpProblem(error.status, BODY_ERROR_TITLES[error.status] ?? 'Bad Request', error.message);
    else {
      logger.error({ err: error, method: req.method, path: req.path }, 'unhandled error');
      problem = new HttpProblem(500, 'Internal Server Error', 'The server could not complete the request; it has been logged.');
    }
    res
      .status(problem.status)
      .type('application/problem+json')
      .json({ type: 'about:blank', title: problem.title, status: problem.status, detail: problem.detail, instance: req.originalUrl, ...problem.extra });
  };
}

const BODY_ERROR_TITLES: Record<number, string> = { 413: 'Payload Too Large', 415: 'Unsupported Media Type' };

function isBodyParserError(error: unknown): error is { status: number; message: string } {
  const candidate = error as { status?: unknown; type?: unknown };
  return typeof candidate?.status === 'number' && typeof candidate.type === 'string' && candidate.status < 500;
}
