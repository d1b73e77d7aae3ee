// What a KQL query refers to: its table, the columns it reads, the customDimensions and
// customMeasurements keys it looks up, and the tollgate names it compares with. Enough KQL
// understanding to catch a query that names something telemetry does not send; not a parser.

/** KQL operators, keywords and functions the shipped queries may use; anything else is a column. */
const KQL_WORDS = new Set([
  "and",
  "ago",
  "arg_max",
  "arg_min",
  "asc",
  "avg",
  "between",
  "bin",
  "by",
  "case",
  "coalesce",
  "contains",
  "count",
  "countif",
  "datetime",
  "dcount",
  "desc",
  "distinct",
  "endswith",
  "extend",
  "false",
  "has",
  "iff",
  "in",
  "isempty",
  "isnotempty",
  "isnotnull",
  "isnull",
  "let",
  "limit",
  "make_list",
  "make_set",
  "max",
  "min",
  "not",
  "now",
  "or",
  "order",
  "percentile",
  "percentiles",
  "project",
  "render",
  "round",
  "sort",
  "startswith",
  "strcat",
  "sum",
  "sumif",
  "summarize",
  "take",
  "tobool",
  "todouble",
  "toint",
  "tolong",
  "top",
  "tostring",
  "true",
  "where",
]);

export interface KqlReferences {
  table: string | undefined;
  /** Names the query reads that it did not define and that are not KQL words: columns. */
  columns: Set<string>;
  customDimensions: Set<string>;
  customMeasurements: Set<string>;
  /** String literals that look like tollgate's own names (metrics, events, attributes). */
  tollgateNames: Set<string>;
  /** Words the checker could not place (for example an unknown function); should be empty. */
  unknown: Set<string>;
}

/** Removes comments and replaces each string literal with a numbered placeholder. */
function tokenizeStrings(query: string): { code: string; strings: string[] } {
  const strings: string[] = [];
  let code = "";
  for (let i = 0; i < query.length; i++) {
    const c = query[i] as string;
    if (c === "/" && query[i + 1] === "/") {
      while (i < query.length && query[i] !== "\n") i++;
      code += "\n";
    } else if (c === '"' || c === "'") {
      let j = i + 1;
      let text = "";
      while (j < query.length && query[j] !== c) {
        if (query[j] === "\\") j++;
        text += query[j] ?? "";
        j++;
      }
      code += ` \u00a7${strings.length}\u00a7 `;
      strings.push(text);
      i = j;
    } else {
      code += c;
    }
  }
  return { code, strings };
}

export function kqlReferences(query: string): KqlReferences {
  const { code: withPlaceholders, strings } = tokenizeStrings(query);
  const customDimensions = new Set<string>();
  const customMeasurements = new Set<string>();
  const code = withPlaceholders.replace(
    /\b(customDimensions|customMeasurements)\s*\[\s*\u00a7(\d+)\u00a7\s*\]/g,
    (_, column: string, index: string) => {
      const key = strings[Number(index)] ?? "";
      (column === "customDimensions" ? customDimensions : customMeasurements).add(key);
      return ` ${column} `;
    },
  );
  const bare = code.replace(/\u00a7\d+\u00a7/g, " ").replace(/\b\d+(\.\d+)?[A-Za-z]*\b/g, " ");
  const defined = new Set([...bare.matchAll(/\b([A-Za-z_]\w*)\s*=(?!=)/g)].map((m) => m[1] as string));
  const words = [...bare.matchAll(/[A-Za-z_]\w*/g)].map((m) => m[0]);
  const table = words.find((word) => word !== "let" && !defined.has(word));
  const columns = new Set<string>();
  const unknown = new Set<string>();
  for (const word of words) {
    if (word === table || KQL_WORDS.has(word) || defined.has(word)) continue;
    // A call to something that is not a KQL function the checker knows.
    if (new RegExp(`\\b${word}\\s*\\(`).test(bare)) unknown.add(word);
    else columns.add(word);
  }
  return {
    table,
    columns,
    customDimensions,
    customMeasurements,
    tollgateNames: new Set(strings.filter((s) => s.startsWith("tollgate."))),
    unknown,
  };
}
