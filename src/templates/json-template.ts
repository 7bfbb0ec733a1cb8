import Handlebars from 'handlebars';
import { describeCharacter, jsonSyntaxProblem } from './json-syntax';

/**
 * An integration's template_text is Handlebars that must produce a JSON object. Lab data is
 * hostile (SPEC §9: it cannot change the structure of a message), so every value a template
 * inserts is JSON-encoded for the place it lands in:
 *
 * - inside a JSON string (`"name": "{{patient.lastName}}"`) it is escaped as the string's
 *   content: quotes, backslashes, control characters and `}}` stay text;
 * - anywhere else (`"total": {{bill.totalAmount}}`) it is written as a JSON value: numbers,
 *   booleans and null as they are, objects and arrays as JSON, missing values as null, and text
 *   as a JSON string — unless the text is a JSON number (`"13.2"`), which is written as that
 *   number, as before, so a numeric result keeps arriving as a number;
 * - `{{json x}}` writes any value as JSON (inside a string: that JSON, escaped).
 *
 * Where a value lands is decided once, when the template is compiled, by following JSON's
 * string quotes through the template's own text; the AST is then rewritten so each value goes
 * through the matching encoder. Every piece of output is traced back to its place in the
 * template, so an error names the template's line and column and never quotes rendered data.
 */

export interface TemplatePosition {
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export type TemplateProblemKind = 'syntax' | 'render' | 'json' | 'shape';

const KIND_TEXT: Record<TemplateProblemKind, string> = {
  syntax: 'is not a valid template',
  render: 'could not be rendered',
  json: 'does not produce valid JSON',
  shape: 'must produce a JSON object',
};

/** The message says what and where (line and column of the template), never what the data was. */
export class JsonTemplateError extends Error {
  override name = 'JsonTemplateError';
  constructor(
    readonly kind: TemplateProblemKind,
    readonly reason: string,
    readonly position?: TemplatePosition,
  ) {
    super(`${KIND_TEXT[kind]}: ${position ? `line ${position.line}, column ${position.column}: ` : ''}${reason}`);
  }
}

export interface JsonTemplate {
  /** Throws JsonTemplateError ('render', 'json' or 'shape'). */
  render(context: object): Record<string, unknown>;
}

/** Helpers a template may call. `log` is left out: it would print patient data to the worker's output. */
const TEMPLATE_HELPERS = ['json', 'if', 'unless', 'each', 'with', 'lookup'];
const CONTENT = 'labwire$content';
const VALUE = 'labwire$value';
const TEXT = 'labwire$text';
const INTERNAL_HELPERS = new Set([CONTENT, VALUE, TEXT, 'log', 'helperMissing', 'blockHelperMissing']);

/** Where a piece of output comes from: a run of the template's text, or a value. */
interface Site {
  line: number;
  /** 0-based, as Handlebars counts. */
  column: number;
  /** For text: what is output, and the original text it came from (whitespace control may trim it). */
  content?: { value: string; original: string; lead: number };
}

interface Render {
  sites: Site[];
  pieces: Array<{ site: number; text: string }>;
  /** Helper calls and loop iterations so far, and characters output: the budget below. */
  steps: number;
  outputLength: number;
}

/**
 * Budgets that keep one template from taking the API (when it is checked) or a worker (when it
 * is rendered) for long: Handlebars parses deeply nested blocks in quadratic time and overflows
 * its stack near 2000 levels; it generates code for every expression on first use (about a
 * millisecond each on our machines); nested loops multiply (an iteration costs a few
 * microseconds). Real templates are far below all of them.
 */
export const TEMPLATE_LIMITS = { expressions: 1000, blockDepth: 50, steps: 200_000, outputLength: 5_000_000 };

/** Rendering is synchronous, so the render in progress can be module state rather than Handlebars data a template could read. */
let current: Render | undefined;

function spend(outputLength: number): void {
  if (!current) return;
  current.steps += 1;
  current.outputLength += outputLength;
  if (current.steps > TEMPLATE_LIMITS.steps || current.outputLength > TEMPLATE_LIMITS.outputLength) {
    throw new JsonTemplateError('render', `rendering stopped: more than ${TEMPLATE_LIMITS.steps} steps or ${TEMPLATE_LIMITS.outputLength} characters (loops nested in loops?)`);
  }
}

function record(site: number, text: string): string {
  spend(text.length);
  current?.pieces.push({ site, text });
  return text;
}

/** Last argument of a helper call is Handlebars' options object. */
const argsOf = (args: unknown[]) => args.slice(0, -1);

const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Text that a JSON number carries exactly (no lost digits, no overflow to null) is written as that number. */
function isExactNumberText(value: string): boolean {
  return NUMBER_TEXT.test(value) && Number.isFinite(Number(value)) && String(Number(value)) === value;
}

function asJsonValue(value: unknown): string {
  if (value instanceof Handlebars.SafeString) return value.toString();
  if (typeof value === 'string') return isExactNumberText(value) ? value : JSON.stringify(value);
  return JSON.stringify(value ?? null) ?? 'null';
}

function asText(value: unknown): string {
  if (value instanceof Handlebars.SafeString) return value.toString();
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return '';
}

/** The content of a JSON string: quotes, backslashes and control characters escaped. */
function asJsonStringContent(value: unknown): string {
  return JSON.stringify(asText(value)).slice(1, -1);
}

const engine = Handlebars.create();
engine.unregisterHelper('log');
engine.registerHelper('json', (...args: unknown[]) => {
  const [value] = argsOf(args);
  return new Handlebars.SafeString(JSON.stringify(value ?? null) ?? 'null');
});
// Loops are the only way a template multiplies its work, so each iteration is counted.
const builtinEach = engine.helpers.each as (this: unknown, ...args: unknown[]) => unknown;
engine.registerHelper('each', function (this: unknown, ...args: unknown[]) {
  const options = args.at(-1) as Handlebars.HelperOptions;
  const body = options.fn;
  options.fn = (context: unknown, runtime?: Handlebars.RuntimeOptions) => {
    spend(0);
    return body(context, runtime);
  };
  return builtinEach.apply(this, args);
});
engine.registerHelper(CONTENT, (site: number) => record(site, current?.sites[site]?.content?.value ?? ''));
engine.registerHelper(VALUE, (value: unknown, site: number) => record(site, asJsonValue(value)));
engine.registerHelper(TEXT, (value: unknown, site: number) => record(site, asJsonStringContent(value)));

type Node = hbs.AST.Node;
type Loc = hbs.AST.SourceLocation;
type JsonState = 'outside' | 'string' | 'escape';

function positionOf(loc: Loc['start']): TemplatePosition {
  return { line: loc.line, column: loc.column + 1 };
}

function afterText(state: JsonState, text: string): JsonState {
  let next = state;
  for (const char of text) {
    if (next === 'escape') next = 'string';
    else if (next === 'string') next = char === '\\' ? 'escape' : char === '"' ? 'outside' : 'string';
    else if (char === '"') next = 'string';
  }
  return next;
}

/** The name a mustache or block calls or looks up, when it is a path rather than a literal. */
function helperName(path: hbs.AST.PathExpression | hbs.AST.Literal | hbs.AST.Expression): string | undefined {
  return path.type === 'PathExpression' ? (path as hbs.AST.PathExpression).original : undefined;
}

const syntaxError = (reason: string, loc: Loc) => new JsonTemplateError('syntax', reason, positionOf(loc.start));

/** Compiles the AST rewrite for one template: each output site gets a number the helpers report. */
class JsonRewrite {
  readonly sites: Site[] = [];

  private site(loc: Loc, content?: Site['content']): hbs.AST.NumberLiteral {
    this.sites.push({ line: loc.start.line, column: loc.start.column, content });
    const index = this.sites.length - 1;
    return { type: 'NumberLiteral', value: index, original: index, loc };
  }

  private call(name: string, params: hbs.AST.Expression[], loc: Loc): hbs.AST.MustacheStatement {
    const path: hbs.AST.PathExpression = { type: 'PathExpression', data: false, depth: 0, parts: [name], original: name, loc };
    return { type: 'MustacheStatement', path, params, hash: undefined as unknown as hbs.AST.Hash, escaped: false, strip: { open: false, close: false }, loc };
  }

  /** Only the template's helpers may be called; everything else with arguments is a typo. */
  private checkCalls(node: hbs.AST.MustacheStatement | hbs.AST.BlockStatement | hbs.AST.SubExpression): void {
    const name = helperName(node.path);
    if (name !== undefined) {
      const isCall = node.params.length > 0 || node.hash !== undefined;
      if (INTERNAL_HELPERS.has(name) || (isCall && !TEMPLATE_HELPERS.includes(name))) {
        throw syntaxError(`unknown helper '${name}'; the helpers are ${TEMPLATE_HELPERS.join(', ')}`, node.loc);
      }
    }
    const values = [...node.params, ...(node.hash?.pairs.map((pair) => pair.value) ?? [])];
    for (const value of values) if (value.type === 'SubExpression') this.checkCalls(value as hbs.AST.SubExpression);
  }

  /** What the mustache evaluates to, as an argument of an encoder: `{{a.b}}` → `a.b`, `{{json a}}` → `(json a)`. */
  private expressionOf(mustache: hbs.AST.MustacheStatement): hbs.AST.Expression {
    const { path, params, hash, loc } = mustache;
    const name = helperName(path);
    const isHelperName = name !== undefined && TEMPLATE_HELPERS.includes(name);
    if (params.length === 0 && hash === undefined && !isHelperName) return path;
    const sub: hbs.AST.SubExpression = { type: 'SubExpression', path: path as hbs.AST.PathExpression, params, hash, loc };
    return sub;
  }

  /** Rewrites a program in place and returns the JSON state after it. */
  program(program: hbs.AST.Program, entry: JsonState): JsonState {
    let state = entry;
    const body: hbs.AST.Statement[] = [];
    for (const node of program.body as Node[]) {
      switch (node.type) {
        case 'ContentStatement': {
          const content = node as hbs.AST.ContentStatement;
          if (content.value === '') break;
          // The typings call `original` StripFlags; it is the text before whitespace control.
          const original = content.original as unknown as string;
          const lead = Math.max(0, original.indexOf(content.value));
          body.push(this.call(CONTENT, [this.site(content.loc, { value: content.value, original, lead })], content.loc));
          state = afterText(state, content.value);
          break;
        }
        case 'CommentStatement':
          break;
        case 'MustacheStatement': {
          const mustache = node as hbs.AST.MustacheStatement;
          if (state === 'escape') throw syntaxError('a value cannot follow a backslash inside a JSON string', mustache.loc);
          this.checkCalls(mustache);
          body.push(this.call(state === 'string' ? TEXT : VALUE, [this.expressionOf(mustache), this.site(mustache.loc)], mustache.loc));
          break;
        }
        case 'BlockStatement': {
          const block = node as hbs.AST.BlockStatement;
          if (state === 'escape') throw syntaxError('a block cannot follow a backslash inside a JSON string', block.loc);
          this.checkCalls(block);
          for (const branch of [block.program, block.inverse]) {
            if (branch && this.program(branch, state) !== state) {
              const name = helperName(block.path) ?? 'block';
              throw syntaxError(`the {{#${name}}} block opens or closes a JSON string: keep both quotes inside the block or both outside it`, block.loc);
            }
          }
          body.push(block);
          break;
        }
        default:
          throw syntaxError(node.type.startsWith('Partial') ? 'partials ({{> name}}) are not supported' : 'decorators are not supported', node.loc);
      }
    }
    program.body = body;
    return state;
  }
}

/** Handlebars' parser reports where it stopped on its lexer, not on the error it throws. */
function parseProblem(error: unknown): JsonTemplateError {
  if (error instanceof Handlebars.Exception) {
    const { lineNumber, column } = error as unknown as { lineNumber?: number; column?: number };
    const reason = error.message.replace(/ - \d+:\d+$/, '');
    return new JsonTemplateError('syntax', reason, lineNumber !== undefined && column !== undefined ? { line: lineNumber, column: column + 1 } : undefined);
  }
  if (error instanceof RangeError) return new JsonTemplateError('syntax', 'the template is nested too deeply');
  const message = error instanceof Error ? error.message : String(error);
  const lexer = ((engine as unknown as { Parser?: unknown }).Parser as { lexer?: { yylloc?: { first_line: number; first_column: number }; yytext?: string } }).lexer;
  const at = lexer?.yylloc;
  const got = /got '(\w+)'/.exec(message)?.[1];
  let reason = 'Handlebars cannot parse this';
  if (got === 'EOF') reason = 'the template ends inside a {{mustache}} or an open {{#block}}';
  else if (got === 'CLOSE_UNESCAPED') reason = "'}}}' closes a {{{triple-stash}}}: put a space between a mustache's '}}' and the JSON's '}', e.g. {{json patient}} }";
  else if (lexer?.yytext) reason = `Handlebars cannot parse '${lexer.yytext}' here`;
  return new JsonTemplateError('syntax', reason, at ? { line: at.first_line, column: at.first_column + 1 } : undefined);
}

function endOf(text: string): TemplatePosition {
  return advance({ line: 1, column: 0 }, text);
}

function advance(start: { line: number; column: number }, text: string): TemplatePosition {
  let { line, column } = start;
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\n') {
      line += 1;
      column = 0;
    } else {
      column += 1;
    }
  }
  return { line, column: column + 1 };
}

/** The template position that produced output[offset], and whether that character is the template's own text. */
function locate(render: Render, output: string, offset: number, templateText: string): { position?: TemplatePosition; ownText: boolean } {
  if (render.pieces.map((piece) => piece.text).join('') !== output) return { ownText: false };
  let at = 0;
  for (const piece of render.pieces) {
    if (offset < at + piece.text.length) {
      const site = render.sites[piece.site]!;
      if (!site.content) return { position: { line: site.line, column: site.column + 1 }, ownText: false };
      return { position: advance(site, site.content.original.slice(0, site.content.lead + offset - at)), ownText: true };
    }
    at += piece.text.length;
  }
  return { position: endOf(templateText), ownText: true };
}

function renderProblem(error: unknown): JsonTemplateError {
  // Handlebars' own errors are about the template; anything else might carry data, so only its kind is kept.
  if (error instanceof JsonTemplateError) return error;
  if (error instanceof Handlebars.Exception) return parseProblem(error);
  return new JsonTemplateError('render', `${error instanceof Error ? error.name : 'an error'} while rendering`);
}

/** Counted on the raw text, before Handlebars' parser spends its time on it. */
/**
 * The template with its comments blanked (same length, newlines kept, so positions still match):
 * a `{{/if}}` inside `{{!-- … --}}` closes nothing and must not lower the counted depth.
 * indexOf scanning keeps this linear however many comments there are.
 */
function withoutComments(text: string): string {
  const opening = /\{\{~?!(--)?/g;
  let out = '';
  let from = 0;
  for (let match = opening.exec(text); match !== null; match = opening.exec(text)) {
    const end = commentEnd(text, match.index + match[0].length, match[1] !== undefined);
    out += text.slice(from, match.index) + text.slice(match.index, end).replace(/[^\n]/g, ' ');
    from = end;
    opening.lastIndex = end;
  }
  return out + text.slice(from);
}

/** Where a comment's closing `}}` ends (`--}}` or `--~}}` for a long one); the text's end when unclosed. */
function commentEnd(text: string, bodyStart: number, long: boolean): number {
  if (!long) {
    const close = text.indexOf('}}', bodyStart);
    return close < 0 ? text.length : close + 2;
  }
  for (let dashes = text.indexOf('--', bodyStart); dashes >= 0; dashes = text.indexOf('--', dashes + 1)) {
    const after = text.startsWith('~', dashes + 2) ? dashes + 3 : dashes + 2;
    if (text.startsWith('}}', after)) return after + 2;
  }
  return text.length;
}

function sizeProblem(templateText: string): JsonTemplateError | undefined {
  let expressions = 0;
  let depth = 0;
  for (const match of withoutComments(templateText).matchAll(/\{\{~?\s*([#^/!]?)/g)) {
    const kind = match[1];
    if (kind === '!') continue;
    if (kind === '/') {
      depth = Math.max(0, depth - 1);
      continue;
    }
    expressions += 1;
    if (kind === '#' || (kind === '^' && !/^\{\{~?\s*\^\s*~?\}\}/.test(templateText.slice(match.index, match.index + 12)))) depth += 1;
    const at = () => advance({ line: 1, column: 0 }, templateText.slice(0, match.index));
    if (expressions > TEMPLATE_LIMITS.expressions) return new JsonTemplateError('syntax', `a template may hold at most ${TEMPLATE_LIMITS.expressions} {{…}} expressions`, at());
    if (depth > TEMPLATE_LIMITS.blockDepth) return new JsonTemplateError('syntax', `blocks may be nested at most ${TEMPLATE_LIMITS.blockDepth} deep`, at());
  }
  return undefined;
}

/** Throws JsonTemplateError ('syntax') when the template cannot be compiled. */
export function compileJsonTemplate(templateText: string): JsonTemplate {
  const tooLarge = sizeProblem(templateText);
  if (tooLarge) throw tooLarge;
  let ast: hbs.AST.Program;
  try {
    ast = engine.parse(templateText);
  } catch (error) {
    throw parseProblem(error);
  }
  const rewrite = new JsonRewrite();
  let end: JsonState;
  try {
    end = rewrite.program(ast, 'outside');
  } catch (error) {
    if (error instanceof JsonTemplateError) throw error;
    throw new JsonTemplateError('syntax', error instanceof RangeError ? 'the template is nested too deeply' : 'the template cannot be compiled');
  }
  if (end !== 'outside') throw new JsonTemplateError('syntax', 'a JSON string is not closed', endOf(templateText));
  const delegate = engine.compile(ast, { noEscape: true, strict: false });
  return {
    render(context) {
      const render: Render = { sites: rewrite.sites, pieces: [], steps: 0, outputLength: 0 };
      let output: string;
      current = render;
      try {
        output = delegate(context);
      } catch (error) {
        const problem = renderProblem(error);
        throw problem.kind === 'render' ? problem : new JsonTemplateError('render', problem.reason, problem.position);
      } finally {
        current = undefined;
      }
      const syntax = jsonSyntaxProblem(output);
      if (syntax) {
        const { position, ownText } = locate(render, output, syntax.offset, templateText);
        const found = ownText ? `, found ${describeCharacter(output[syntax.offset])}` : '';
        throw new JsonTemplateError('json', `${syntax.reason}${found}`, position);
      }
      const value: unknown = JSON.parse(output);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new JsonTemplateError('shape', `the result is ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`);
      return value as Record<string, unknown>;
    },
  };
}
