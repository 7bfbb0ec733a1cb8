/** What the fuzzer walks: every operation of both OpenAPI documents, as the documents describe them. */

export type JsonSchema = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: 'path' | 'query';
  schema: JsonSchema;
}

export interface Operation {
  api: 'operator' | 'partner';
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** The OpenAPI path, e.g. `/api/logs/{id}`. */
  template: string;
  access: string;
  produces?: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { 'x-labwire-access'?: string; parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: JsonSchema }> }; responses?: Record<string, { content?: Record<string, unknown> }> }>>;
}

/** Every operation of one document, with its parameters and JSON body schema. */
export function operationsOf(api: Operation['api'], document: unknown): Operation[] {
  const { paths } = document as OpenApiDocument;
  return Object.entries(paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]): Operation => {
      const produces = Object.keys(op.responses?.['200']?.content ?? {}).find((type) => type !== 'application/json');
      return {
        api,
        method: method.toUpperCase() as Operation['method'],
        template,
        access: op['x-labwire-access'] ?? 'public',
        ...(produces ? { produces } : {}),
        parameters: op.parameters ?? [],
        ...(op.requestBody?.content?.['application/json']?.schema ? { body: op.requestBody.content['application/json'].schema } : {}),
      };
    }),
  );
}
