import { DefaultFailureConverter } from '@temporalio/common';

/**
 * Loaded by path (`failureConverterPath`) into clients, workers and the workflow bundle: a
 * failure's message and stack move into `encodedAttributes`, which the payload codec encrypts,
 * so an error that quotes patient data is not written to history in clear. History then shows
 * "Encoded failure" until it is decoded (the dashboard, the Web UI and the CLI do that through
 * the codec). Kept pure: it runs inside the workflow sandbox too.
 */
export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
