import type { Payload, PayloadCodec } from '@temporalio/common';
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { labScopeOf } from '../auth/lab-scope';
import type { Config } from '../config/schema';
import { HttpProblem } from './problem';
import { defineRoute, type ApiRoute } from './route';

export const CODEC_PATH = '/temporal-codec';

/**
 * The Temporal Web UI origins that may call the codec from the browser: TEMPORAL_UI_URL (or
 * http://127.0.0.1:TEMPORAL_UI_PORT), and the same with localhost for 127.0.0.1 and back.
 */
export function codecOrigins(config: Config): Set<string> {
  const ui = new URL(config.temporal.uiUrl);
  const origins = new Set([ui.origin]);
  const swap: Record<string, string> = { '127.0.0.1': 'localhost', localhost: '127.0.0.1' };
  const other = swap[ui.hostname];
  if (other) origins.add(`${ui.protocol}//${other}${ui.port ? `:${ui.port}` : ''}`);
  return origins;
}

/**
 * CORS for the Web UI's codec calls: its origin is echoed with credentials allowed (the UI's
 * "Include cross-origin credentials" sends the dashboard's session cookie), and the preflight is
 * answered here. Other origins get no CORS headers, so a browser keeps their pages from reading
 * a decoded answer.
 */
export function codecCors(origins: Set<string>): RequestHandler {
  return (req, res, next) => {
    const origin = req.get('origin');
    res.vary('Origin');
    if (origin && origins.has(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', 'content-type, x-namespace, authorization, authorization-extras');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    if (req.method === 'OPTIONS') {
      res.status(204).end();
      return;
    }
    next();
  };
}

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');
const payloadsBody = z
  .object({
    // Absent when there are none: the CLI encodes a query's empty arguments as `{}` (proto JSON omits empty lists).
    payloads: z
      .array(
        z.object({ metadata: z.record(z.string(), base64).nullish(), data: base64.nullish() }, { error: 'expected a payload {metadata, data}' }),
        { error: 'expected an array of payloads' },
      )
      .max(1000, 'at most 1000 payloads per call')
      .default([]),
  })
  .strict();

export type CodecOperation = 'encode' | 'decode';

/** A payload in the codec protocol's JSON: metadata values and data in base64. */
export interface JSONPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

// By hand: the SDK's JSONToPayload trips over two protobufjs copies in one install.
const fromJson = (json: JSONPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(json.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(json.data ?? '', 'base64'),
});
const toJson = (payload: Payload): JSONPayload => ({
  metadata: Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  data: Buffer.from(payload.data ?? new Uint8Array()).toString('base64'),
});

/**
 * The one place a codec call is carried out. Every payload is decoded or encoded, in order; a payload
 * this process has no key for is refused by index.
 */
export async function runCodec(codec: PayloadCodec, operation: CodecOperation, payloads: JSONPayload[]): Promise<{ payloads: JSONPayload[] }> {
  const converted = payloads.map(fromJson);
  const out: JSONPayload[] = [];
  for (const [index, payload] of converted.entries()) {
    try {
      const [result] = await codec[operation]([payload]);
      out.push(toJson(result!));
    } catch (error) {
      throw new HttpProblem(400, 'Bad Request', `payloads[${index}]: ${(error as Error).message}`, {
        errors: [{ field: `payloads[${index}]`, message: (error as Error).message }],
      });
    }
  }
  return { payloads: out };
}

export interface CodecRouteDeps {
  config: Config;
  codec: PayloadCodec;
}

/**
 * `POST /api/temporal-codec/decode` and `/encode`: the Temporal codec server protocol for the
 * Web UI (`--ui-codec-endpoint`, session cookie) and the `temporal` CLI (`--codec-endpoint`,
 * `--codec-auth "Bearer <session token>"`). TEMPORAL_CODEC_ROLE decides who may call it; a user
 * limited to labs may not (a history is not tied to a lab the codec could check, so it would decode
 * other labs' data). Each decode call leaves one audit row.
 */
export function codecRoutes(deps: CodecRouteDeps): ApiRoute[] {
  const cors = codecCors(codecOrigins(deps.config));
  const { namespace } = deps.config.temporal;
  return (['decode', 'encode'] as const).map((operation) =>
    defineRoute({
      method: 'post',
      path: `${CODEC_PATH}/${operation}`,
      access: deps.config.temporal.codecRole,
      tag: 'Temporal',
      summary:
        operation === 'decode'
          ? 'Decrypt Temporal payloads (codec server protocol: {payloads: [{metadata, data}]} in base64, same count and order back); for the Temporal Web UI and CLI'
          : 'Encrypt Temporal payloads with the current payload key (codec server protocol)',
      body: payloadsBody,
      responses: {
        200: 'The payloads, in the same order',
        403: 'Role below TEMPORAL_CODEC_ROLE, a user limited to labs, or another namespace (X-Namespace)',
      },
      middleware: [cors],
      // Cross-origin by design (the Web UI on its own port): no CSRF token can be sent. CORS lets
      // only the Web UI's origins read an answer, and neither operation changes anything.
      skipCsrf: true,
      bearerSession: true,
      async handle({ body, req, session, audit }) {
        const asked = req.get('x-namespace');
        if (asked && asked !== namespace) throw new HttpProblem(403, 'Forbidden', `This codec serves namespace ${namespace}, not ${asked}.`);
        if (!labScopeOf(session.user).all) {
          throw new HttpProblem(403, 'Forbidden', 'A user limited to labs cannot use the codec: Temporal histories of every lab would decode. Ask an admin, or read the log in the dashboard.');
        }
        const result = await runCodec(deps.codec, operation, body.payloads);
        if (operation === 'decode') await audit({ action: 'temporal_codec.decode', detail: { payloads: result.payloads.length, namespace } });
        return result;
      },
    }),
  );
}

/** Preflights: OPTIONS carries no cookie, so it is answered before any authorization. */
export function mountCodecPreflight(router: Router, config: Config): void {
  router.options(`${CODEC_PATH}/:operation`, codecCors(codecOrigins(config)));
}
