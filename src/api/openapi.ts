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

/** The OpenAPI 3.1 document of the operator API, built from the same route records and zod schemas that validate requests. */
export function openApiDocument(routes: ApiRoute[], info: { version: string; serverUrl: string }): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const route of routes) {
    const path = `/api${route.path.replace(/:(\w+)/g, '{$1}')}`;
    const responses: Record<string, JsonSchema> = {};
    for (const [status, description] of Object.entries(route.responses)) {
      const code = Number(status);
      responses[status] =
        code >= 400
          ? { description, content: { 'application/problem+json': { schema: problem } } }
          : code === 204
            ? { description }
            : { description, content: { [route.produces ?? 'application/json']: {} } };
    }
    if (route.body || route.params || route.query) responses['400'] ??= { description: 'Bad input: `errors` names each field', content: { 'application/problem+json': { schema: problem } } };
    if (route.access !== 'public') {
      responses['401'] ??= { description: 'Not signed in', content: { 'application/problem+json': { schema: problem } } };
      if (route.access !== 'signed-in' || route.method !== 'get') responses['403'] ??= { description: 'Role too low, or missing CSRF token', content: { 'application/problem+json': { schema: problem } } };
    }
    paths[path] ??= {};
    paths[path][route.method] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method}${route.path.replace(/[/:-](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
      'x-labwire-access': route.access,
      security: route.access === 'public' ? [] : [{ session: [] }],
      parameters: [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')],
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: toSchema(route.body) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Labwire operator API',
      version: info.version,
      description:
        'Sign in with POST /api/session; the session cookie is HttpOnly and SameSite=Strict. Every change (POST, PATCH, DELETE) also sends the X-CSRF-Token header with the csrfToken of the session. Roles: viewer reads, operator also retries, admin also manages integrations and users. Errors are RFC 9457 problem documents whose `errors` name the bad fields.',
    },
    servers: [{ url: info.serverUrl }],
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'labwire_session' } },
      schemas: {
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } }, required: ['field', 'message'] } },
          },
          required: ['title', 'status'],
        },
      },
    },
    paths,
  };
}
