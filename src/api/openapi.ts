import { z } from 'zod';
import type { ApiRoute } from './route';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

/** Path or query parameters from an object schema: one entry per property. */
function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema);
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || required.has(name),
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
    schema: property,
  }));
}

const problem = { $ref: '#/components/schemas/Problem' };

/** What differs between the operator API's document and the partner API's. */
export interface OpenApiInfo {
  title: string;
  description: string;
  version: string;
  serverUrl: string;
  /** Where the router is mounted: `/api` or `/partner/v1`. */
  basePath: string;
}

const problemResponse = (description: string) => ({ description, content: { 'application/problem+json': { schema: problem } } });

/** The answers every route of an access kind can give besides its own. */
function accessResponses(route: ApiRoute): Record<string, JsonSchema> {
  if (route.access === 'public') return {};
  if (route.access === 'auth-key') {
    return {
      401: problemResponse('Missing or unknown auth key'),
      403: problemResponse('The integration of this auth key is disabled'),
      429: problemResponse('Over the per-key limit of requests per minute'),
    };
  }
  const extra: Record<string, JsonSchema> = { 401: problemResponse('Not signed in') };
  if (route.access !== 'signed-in' || route.method !== 'get') extra[403] = problemResponse('Role too low, or missing CSRF token');
  return extra;
}

const SECURITY_SCHEMES: Record<string, JsonSchema> = {
  session: { type: 'apiKey', in: 'cookie', name: 'labwire_session' },
  sessionBearer: { type: 'http', scheme: 'bearer', description: 'The value of the labwire_session cookie as `Authorization: Bearer <token>` (the temporal CLI\'s --codec-auth)' },
  authKey: { type: 'http', scheme: 'bearer', description: 'The auth key of your integration: `Authorization: Bearer <authKey>`' },
};

/** An OpenAPI 3.1 document built from the same route records and zod schemas that validate requests. */
export function openApiDocument(routes: ApiRoute[], info: OpenApiInfo): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  const schemes = new Set<string>();
  for (const route of routes) {
    const path = `${info.basePath}${route.path.replace(/:(\w+)/g, '{$1}')}`;
    const responses: Record<string, JsonSchema> = {};
    for (const [status, description] of Object.entries(route.responses)) {
      const code = Number(status);
      responses[status] =
        code >= 400 ? problemResponse(description) : code === 204 ? { description } : { description, content: { [route.produces ?? 'application/json']: {} } };
    }
    if (route.body || route.params || route.query) responses['400'] ??= problemResponse('Bad input: `errors` names each field');
    for (const [status, response] of Object.entries(accessResponses(route))) responses[status] ??= response;
    const scheme = route.access === 'public' ? undefined : route.access === 'auth-key' ? 'authKey' : 'session';
    if (scheme) schemes.add(scheme);
    if (route.bearerSession) schemes.add('sessionBearer');
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${route.path.replace(/[/:-](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
      'x-labwire-access': route.access,
      // Cross-origin routes the Temporal Web UI calls cannot send the CSRF token (src/api/codec-routes.ts).
      ...(route.skipCsrf && route.access !== 'public' ? { 'x-labwire-csrf': false } : {}),
      security: scheme ? [{ [scheme]: [] }, ...(route.bearerSession ? [{ sessionBearer: [] }] : [])] : [],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: info.version, description: info.description },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: Object.fromEntries([...schemes].map((name) => [name, SECURITY_SCHEMES[name]])),
      schemas: {
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  field: { type: 'string' },
                  message: { type: 'string' },
                  line: { type: 'integer', description: "A template problem's line in the template (1-based)" },
                  column: { type: 'integer', description: "A template problem's column in the template (1-based)" },
                },
                required: ['field', 'message'],
              },
            },
          },
          required: ['title', 'status'],
        },
      },
    },
    paths,
  };
}
