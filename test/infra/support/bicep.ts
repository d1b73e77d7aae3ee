// A small Bicep reader for the infra tests: tokens (strings with interpolation, comments,
// newlines), then parameters, variables, resources and outputs with their bodies parsed into
// objects and arrays whose leaves are raw expressions. The Bicep CLI cannot be installed here;
// this reads what the tests need, and fails loudly on what it does not understand.

export interface Token {
  kind: "ident" | "string" | "number" | "punct" | "newline";
  text: string;
  /** For a string: its value when it has no interpolation. */
  value?: string;
  /** For a string: the source of each `${…}` hole. */
  holes?: string[];
  start: number;
  end: number;
}

export type Node = ObjectNode | ArrayNode | ForNode | IfNode | ExprNode;
export interface ObjectNode {
  kind: "object";
  entries: Map<string, Node>;
}
export interface ArrayNode {
  kind: "array";
  items: Node[];
}
export interface ForNode {
  kind: "for";
  variable: string;
  collection: ExprNode;
  body: Node;
}
export interface IfNode {
  kind: "if";
  condition: ExprNode;
  body: Node;
}
export interface ExprNode {
  kind: "expr";
  text: string;
  tokens: Token[];
}

export interface Decorator {
  name: string;
  args: string;
}
export interface Param {
  name: string;
  type: string;
  default: ExprNode | undefined;
  decorators: Decorator[];
}
export interface Resource {
  symbol: string;
  type: string;
  apiVersion: string;
  existing: boolean;
  condition: ExprNode | undefined;
  loop: { variable: string; collection: ExprNode } | undefined;
  body: ObjectNode;
}
export interface BicepFile {
  source: string;
  params: Map<string, Param>;
  vars: Map<string, Node>;
  resources: Resource[];
  outputs: Map<string, { type: string; value: Node }>;
  targetScope: string | undefined;
}

const PUNCT = ["==", "!=", "<=", ">=", "&&", "||", "??", ".?", "=~", "!~", "=>", "::"];

export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (offset = 0) => source[i + offset] ?? "";
  while (i < source.length) {
    const c = at();
    if (c === " " || c === "\t" || c === "\r") {
      i++;
    } else if (c === "\n") {
      tokens.push({ kind: "newline", text: "\n", start: i, end: i + 1 });
      i++;
    } else if (c === "/" && at(1) === "/") {
      while (i < source.length && at() !== "\n") i++;
    } else if (c === "/" && at(1) === "*") {
      const close = source.indexOf("*/", i + 2);
      if (close < 0) throw new Error(`unterminated comment at ${i}`);
      i = close + 2;
    } else if (c === "'" && source.startsWith("'''", i)) {
      const close = source.indexOf("'''", i + 3);
      if (close < 0) throw new Error(`unterminated multi-line string at ${i}`);
      const value = source.slice(i + 3, close).replace(/^\r?\n/, "");
      tokens.push({
        kind: "string",
        text: source.slice(i, close + 3),
        value,
        holes: [],
        start: i,
        end: close + 3,
      });
      i = close + 3;
    } else if (c === "'") {
      const start = i;
      i++;
      let value = "";
      const holes: string[] = [];
      for (;;) {
        const ch = at();
        if (ch === "" || ch === "\n") throw new Error(`unterminated string at ${start}`);
        if (ch === "\\") {
          const next = at(1);
          value += next === "n" ? "\n" : next === "r" ? "\r" : next === "t" ? "\t" : next;
          i += 2;
        } else if (ch === "'") {
          i++;
          break;
        } else if (ch === "$" && at(1) === "{") {
          // An interpolation: skip to its matching brace, stepping over nested strings.
          const holeStart = i + 2;
          i += 2;
          let depth = 1;
          while (depth > 0) {
            const h = at();
            if (h === "") throw new Error(`unterminated interpolation at ${holeStart}`);
            if (h === "'") {
              i++;
              while (at() !== "'" && at() !== "") i += at() === "\\" ? 2 : 1;
            } else if (h === "{") depth++;
            else if (h === "}") depth--;
            i++;
          }
          holes.push(source.slice(holeStart, i - 1));
          // biome-ignore lint/suspicious/noTemplateCurlyInString: a marker for a Bicep hole, not JS.
          value += "${…}";
        } else {
          value += ch;
          i++;
        }
      }
      const token: Token = { kind: "string", text: source.slice(start, i), holes, start, end: i };
      if (holes.length === 0) token.value = value;
      tokens.push(token);
    } else if (/[A-Za-z_]/.test(c)) {
      const start = i;
      while (/[A-Za-z0-9_]/.test(at())) i++;
      tokens.push({ kind: "ident", text: source.slice(start, i), start, end: i });
    } else if (/[0-9]/.test(c)) {
      const start = i;
      while (/[0-9]/.test(at())) i++;
      tokens.push({ kind: "number", text: source.slice(start, i), start, end: i });
    } else {
      const two = source.slice(i, i + 2);
      const text = PUNCT.includes(two) ? two : c;
      tokens.push({ kind: "punct", text, start: i, end: i + text.length });
      i += text.length;
    }
  }
  return tokens;
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const CLOSE = new Set([")", "]", "}"]);

class Parser {
  #pos = 0;
  constructor(
    readonly source: string,
    readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.#pos + offset];
  }
  next(): Token {
    const token = this.tokens[this.#pos++];
    if (!token) throw new Error("unexpected end of file");
    return token;
  }
  expect(text: string): Token {
    const token = this.next();
    if (token.text !== text)
      throw new Error(`expected '${text}' but found '${token.text}' at ${token.start}`);
    return token;
  }
  skipNewlines(): void {
    while (this.peek()?.kind === "newline") this.#pos++;
  }
  done(): boolean {
    this.skipNewlines();
    return this.#pos >= this.tokens.length;
  }

  /** An expression: tokens up to a newline, comma or closer at depth 0. */
  expression(): ExprNode {
    const collected: Token[] = [];
    const stack: string[] = [];
    for (;;) {
      const token = this.peek();
      if (!token) break;
      if (stack.length === 0 && (token.kind === "newline" || token.text === ",")) break;
      if (stack.length === 0 && CLOSE.has(token.text)) break;
      this.#pos++;
      collected.push(token);
      if (token.text in OPEN) stack.push(OPEN[token.text] as string);
      else if (CLOSE.has(token.text)) {
        if (stack.pop() !== token.text) throw new Error(`unbalanced '${token.text}' at ${token.start}`);
      }
    }
    if (collected.length === 0) throw new Error(`empty expression at ${this.peek()?.start ?? "end"}`);
    return this.exprOf(collected);
  }

  exprOf(tokens: Token[]): ExprNode {
    const first = tokens[0] as Token;
    const last = tokens[tokens.length - 1] as Token;
    return { kind: "expr", text: this.source.slice(first.start, last.end), tokens };
  }

  value(): Node {
    const token = this.peek();
    if (!token) throw new Error("expected a value at end of file");
    if (token.text === "{") return this.object();
    if (token.text === "[") return this.peek(1)?.text === "for" ? this.forLoop() : this.array();
    if (token.text === "if" && this.peek(1)?.text === "(") {
      this.next();
      const condition = this.parenthesized();
      this.skipNewlines();
      return { kind: "if", condition, body: this.value() };
    }
    return this.expression();
  }

  parenthesized(): ExprNode {
    const open = this.expect("(");
    let depth = 1;
    const collected: Token[] = [open];
    while (depth > 0) {
      const token = this.next();
      collected.push(token);
      if (token.text === "(") depth++;
      else if (token.text === ")") depth--;
    }
    return this.exprOf(collected.slice(1, -1));
  }

  object(): ObjectNode {
    this.expect("{");
    const entries = new Map<string, Node>();
    for (;;) {
      this.skipNewlines();
      if (this.peek()?.text === ",") {
        this.next();
        continue;
      }
      if (this.peek()?.text === "}") {
        this.next();
        return { kind: "object", entries };
      }
      const key = this.next();
      const name = key.kind === "string" ? key.value : key.kind === "ident" ? key.text : undefined;
      if (name === undefined) throw new Error(`bad object key '${key.text}' at ${key.start}`);
      this.expect(":");
      if (entries.has(name)) throw new Error(`duplicate key '${name}' at ${key.start}`);
      entries.set(name, this.value());
    }
  }

  array(): ArrayNode {
    this.expect("[");
    const items: Node[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.peek()?.text === ",") {
        this.next();
        continue;
      }
      if (this.peek()?.text === "]") {
        this.next();
        return { kind: "array", items };
      }
      items.push(this.value());
    }
  }

  forLoop(): ForNode {
    this.expect("[");
    this.expect("for");
    // `for x in …` or `for (x, i) in …`: the index name is read and dropped.
    const parenthesized = this.peek()?.text === "(";
    if (parenthesized) this.next();
    const variable = this.next();
    if (variable.kind !== "ident") throw new Error(`only 'for x in …' loops are read, at ${variable.start}`);
    if (parenthesized) {
      this.expect(",");
      const index = this.next();
      if (index.kind !== "ident") throw new Error(`bad loop index at ${index.start}`);
      this.expect(")");
    }
    this.expect("in");
    const collected: Token[] = [];
    let depth = 0;
    while (!(depth === 0 && this.peek()?.text === ":")) {
      const token = this.next();
      if (token.text in OPEN) depth++;
      else if (CLOSE.has(token.text)) depth--;
      collected.push(token);
    }
    this.expect(":");
    this.skipNewlines();
    const body = this.value();
    this.skipNewlines();
    this.expect("]");
    return { kind: "for", variable: variable.text, collection: this.exprOf(collected), body };
  }

  /** Tokens up to the end of the line, brackets included. */
  restOfLine(): Token[] {
    const collected: Token[] = [];
    let depth = 0;
    while (this.peek() && !(depth === 0 && this.peek()?.kind === "newline")) {
      const token = this.next();
      if (token.text in OPEN) depth++;
      else if (CLOSE.has(token.text)) depth--;
      collected.push(token);
    }
    return collected;
  }
}

export function parseBicep(source: string): BicepFile {
  const parser = new Parser(source, tokenize(source));
  const file: BicepFile = {
    source,
    params: new Map(),
    vars: new Map(),
    resources: [],
    outputs: new Map(),
    targetScope: undefined,
  };
  let decorators: Decorator[] = [];
  const unique = (map: Map<string, unknown>, name: string) => {
    if (map.has(name)) throw new Error(`'${name}' is declared twice`);
    return name;
  };
  while (!parser.done()) {
    const keyword = parser.next();
    if (keyword.text === "@") {
      const line = parser.restOfLine();
      const name = line[0]?.text ?? "";
      const text = parser.exprOf(line).text;
      decorators.push({ name, args: text.slice(name.length).replace(/^\(|\)$/g, "") });
      continue;
    }
    switch (keyword.text) {
      case "targetScope": {
        parser.expect("=");
        file.targetScope = parser.expression().text.replace(/'/g, "");
        break;
      }
      case "param": {
        const name = parser.next().text;
        const rest = parser.restOfLine();
        const eq = rest.findIndex((t) => t.text === "=");
        const typeTokens = eq < 0 ? rest : rest.slice(0, eq);
        const defaultTokens = eq < 0 ? [] : rest.slice(eq + 1);
        file.params.set(unique(file.params, name), {
          name,
          type: parser.exprOf(typeTokens).text,
          default: defaultTokens.length > 0 ? parser.exprOf(defaultTokens) : undefined,
          decorators,
        });
        break;
      }
      case "var": {
        const name = parser.next().text;
        parser.expect("=");
        file.vars.set(unique(file.vars, name), parser.value());
        break;
      }
      case "resource": {
        const symbol = parser.next().text;
        const typeToken = parser.next();
        if (typeToken.kind !== "string" || typeToken.value === undefined)
          throw new Error(`resource ${symbol}: type must be a plain string`);
        const [type, apiVersion] = typeToken.value.split("@") as [string, string];
        let existing = false;
        if (parser.peek()?.text === "existing") {
          parser.next();
          existing = true;
        }
        parser.expect("=");
        let body = parser.value();
        let loop: Resource["loop"];
        let condition: ExprNode | undefined;
        if (body.kind === "for") {
          loop = { variable: body.variable, collection: body.collection };
          body = body.body;
        }
        if (body.kind === "if") {
          condition = body.condition;
          body = body.body;
        }
        if (body.kind !== "object") throw new Error(`resource ${symbol}: body is not an object`);
        file.resources.push({ symbol, type, apiVersion, existing, condition, loop, body });
        break;
      }
      case "output": {
        const name = parser.next().text;
        const type = parser.next().text;
        parser.expect("=");
        file.outputs.set(unique(file.outputs, name), { type, value: parser.value() });
        break;
      }
      default:
        throw new Error(`unexpected '${keyword.text}' at ${keyword.start}`);
    }
    decorators = [];
  }
  return file;
}

/** The node at a dotted path of object keys, or undefined. */
export function at(node: Node | undefined, path: string): Node | undefined {
  let current = node;
  for (const key of path.split(".")) {
    if (current?.kind !== "object") return undefined;
    current = current.entries.get(key);
  }
  return current;
}

/** The value of a plain string literal (no interpolation), else undefined. */
export function literalString(node: Node | undefined): string | undefined {
  if (node?.kind !== "expr" || node.tokens.length !== 1) return undefined;
  return node.tokens[0]?.kind === "string" ? node.tokens[0].value : undefined;
}

/** The raw source of an expression node (empty for anything else). */
export function exprText(node: Node | undefined): string {
  return node?.kind === "expr" ? node.text : "";
}

/** The identifier an expression consists of, if it is exactly one. */
export function identifier(node: Node | undefined): string | undefined {
  if (node?.kind !== "expr" || node.tokens.length !== 1) return undefined;
  return node.tokens[0]?.kind === "ident" ? node.tokens[0].text : undefined;
}

/** Every identifier an expression uses, including those inside string interpolation. */
export function identifiersIn(node: Node | undefined): string[] {
  if (node?.kind !== "expr") return [];
  const names: string[] = [];
  for (const token of node.tokens) {
    if (token.kind === "ident") names.push(token.text);
    for (const hole of token.holes ?? []) {
      names.push(...identifiersIn({ kind: "expr", text: hole, tokens: tokenize(hole) }));
    }
  }
  return names;
}

/** Parses a bracketed value that sits inside an expression, such as a ternary's branch. */
export function parseValue(source: string): Node {
  const parser = new Parser(source, tokenize(source));
  parser.skipNewlines();
  const node = parser.value();
  if (!parser.done()) throw new Error(`trailing input after value: ${source}`);
  return node;
}

export function resourcesOfType(file: BicepFile, type: string): Resource[] {
  return file.resources.filter((r) => r.type.toLowerCase() === type.toLowerCase());
}

export function resource(file: BicepFile, symbol: string): Resource {
  const found = file.resources.find((r) => r.symbol === symbol);
  if (!found) throw new Error(`no resource '${symbol}'`);
  return found;
}

/** The text of a parameter's @description, or undefined. */
export function descriptionOf(param: Param): string | undefined {
  const decorator = param.decorators.find((d) => d.name === "description");
  if (!decorator) return undefined;
  const tokens = tokenize(decorator.args);
  return tokens.length === 1 && tokens[0]?.kind === "string" ? tokens[0].value : undefined;
}

/** Fills a string literal's `${name}` holes from values; throws on a hole it cannot fill. */
export function interpolate(node: Node | undefined, values: Record<string, string>): string {
  if (node?.kind !== "expr" || node.tokens.length !== 1 || node.tokens[0]?.kind !== "string")
    throw new Error(`not a string literal: ${exprText(node)}`);
  const raw = node.tokens[0].text.slice(1, -1);
  return raw.replace(/\$\{([^}]*)\}/g, (_, hole: string) => {
    const value = values[hole.trim()];
    if (value === undefined) throw new Error(`no value for \${${hole}}`);
    return value;
  });
}
