// The two readings of .funcignore that decide what goes to Azure, and the file walk of
// `func azure functionapp publish`.
//
// Core Tools (`func … publish`) uses a port of the codemix gitignore-parser
// (src/Azure.Functions.Cli/Common/GitIgnoreParser.cs): each line becomes a regular expression
// anchored at the start of the path and matched as a prefix, `*` never crosses `/`, `**` is `.+`,
// and a `!` line wins over every other line wherever it stands. azd reads the same file with
// .gitignore semantics: a line without an inner `/` matches at any depth, the last matching line
// wins, and nothing under an ignored directory can be re-included.

import { readdirSync } from "node:fs";
import { join } from "node:path";

export interface IgnoreMatcher {
  /** True when the file (a `/`-separated path relative to the project root) is left out. */
  ignores(path: string): boolean;
}

function patternLines(content: string): string[] {
  return content
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Core Tools' GitIgnoreParser, line for line. */
export function coreToolsIgnore(content: string): IgnoreMatcher {
  const positive: string[] = [];
  const negative: string[] = [];
  for (let line of patternLines(content)) {
    const isNegative = line.startsWith("!");
    if (isNegative) line = line.slice(1);
    if (line.startsWith("/")) line = line.slice(1);
    (isNegative ? negative : positive).push(line);
  }
  const prepare = (pattern: string) =>
    pattern
      .replace(/[-[\]/{}()+?.\\^$|]/g, "\\$&")
      .replaceAll("**", "(.+)")
      .replaceAll("*", "([^\\/]+)");
  const compile = (list: string[]) =>
    list.length > 0 ? new RegExp(`^((${list.map(prepare).join(")|(")}))`) : /$^/;
  const positiveRe = compile(positive);
  const negativeRe = compile(negative);
  return {
    ignores: (path) => !(negativeRe.test(path) || !positiveRe.test(path)),
  };
}

interface GitRule {
  negative: boolean;
  directoryOnly: boolean;
  anchored: boolean;
  regex: RegExp;
}

function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      const before = i === 0 || glob[i - 1] === "/";
      const after = glob[i + 2] === "/" || i + 2 === glob.length;
      if (before && after) {
        // `**/` any leading directories, `/**` everything inside.
        if (glob[i + 2] === "/") {
          out += "(?:.*/)?";
          i += 2;
        } else {
          out += ".*";
          i += 1;
        }
        continue;
      }
      out += "[^/]*";
      i += 1;
    } else if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "[") {
      const close = glob.indexOf("]", i + 1);
      if (close < 0) out += "\\[";
      else {
        out += `[${glob.slice(i + 1, close).replace(/^!/, "^")}]`;
        i = close;
      }
    } else if (c === "\\" && i + 1 < glob.length) {
      out += `\\${glob[++i]}`;
    } else out += c.replace(/[.+^${}()|\\/]/g, "\\$&");
  }
  return out;
}

/** .gitignore semantics, as azd applies .funcignore. */
export function gitIgnore(content: string): IgnoreMatcher {
  const rules: GitRule[] = patternLines(content).map((raw) => {
    let line = raw;
    const negative = line.startsWith("!");
    if (negative) line = line.slice(1);
    const directoryOnly = line.endsWith("/");
    if (directoryOnly) line = line.slice(0, -1);
    const anchored = line.includes("/");
    if (line.startsWith("/")) line = line.slice(1);
    return { negative, directoryOnly, anchored, regex: new RegExp(`^${globToRegex(line)}$`) };
  });
  const state = (path: string, isDirectory: boolean): boolean | undefined => {
    let ignored: boolean | undefined;
    const base = path.slice(path.lastIndexOf("/") + 1);
    for (const rule of rules) {
      if (rule.directoryOnly && !isDirectory) continue;
      if (rule.regex.test(rule.anchored ? path : base)) ignored = !rule.negative;
    }
    return ignored;
  };
  return {
    ignores(path) {
      const parts = path.split("/");
      for (let depth = 1; depth < parts.length; depth++) {
        if (state(parts.slice(0, depth).join("/"), true)) return true;
      }
      return state(path, false) === true;
    },
  };
}

// What Core Tools leaves out before reading .funcignore (FileSystemHelpers.GetLocalFiles).
const CORE_TOOLS_SKIPPED_DIRECTORIES = [".git", ".vscode"];
const CORE_TOOLS_SKIPPED_FILES = [".funcignore", ".gitignore", "local.settings.json", "project.lock.json"];

/**
 * Every file under root as Core Tools walks it, relative and `/`-separated. Directories named in
 * `stopAt` (relative paths) are not entered; their contents are checked separately.
 */
export function projectFiles(root: string, stopAt: readonly string[] = []): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(join(root, relative), { withFileTypes: true })) {
      const path = relative === "" ? entry.name : `${relative}/${entry.name}`;
      const lower = entry.name.toLowerCase();
      if (entry.isDirectory()) {
        if (CORE_TOOLS_SKIPPED_DIRECTORIES.includes(lower) || stopAt.includes(path)) continue;
        walk(path);
      } else if (!CORE_TOOLS_SKIPPED_FILES.includes(lower)) {
        files.push(path);
      }
    }
  };
  walk("");
  return files.sort();
}
