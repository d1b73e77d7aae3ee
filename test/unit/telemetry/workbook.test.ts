// The Azure Workbook shows the shipped queries themselves, not copies that drift: every query in
// it is one of infra/queries/*.kql verbatim, and every one of those is in it.

import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const INFRA = new URL("../../../infra/", import.meta.url);

interface WorkbookItem {
  type: number;
  name: string;
  content: {
    version?: string;
    query?: string;
    timeContextFromParameter?: string;
    resourceType?: string;
    parameters?: Array<{ name: string }>;
  };
}

const workbook = JSON.parse(readFileSync(new URL("workbook.json", INFRA), "utf8")) as {
  version: string;
  items: WorkbookItem[];
};
const queries = new Map(
  readdirSync(new URL("queries/", INFRA))
    .filter((name) => name.endsWith(".kql"))
    .map((name) => [name.replace(/\.kql$/, ""), readFileSync(new URL(`queries/${name}`, INFRA), "utf8")]),
);

describe("the workbook", () => {
  const queryItems = workbook.items.filter((item) => item.content.version === "KqlItem/1.0");
  const parameters = new Set(
    workbook.items.flatMap((item) => item.content.parameters?.map((p) => p.name) ?? []),
  );

  it("is an Azure Workbook over Application Insights", () => {
    expect(workbook.version).toBe("Notebook/1.0");
    for (const item of queryItems) expect(item.content.resourceType).toBe("microsoft.insights/components");
  });

  it("runs each shipped query, verbatim, once", () => {
    expect(queryItems.map((item) => item.name).sort()).toEqual([...queries.keys()].sort());
    for (const item of queryItems) {
      expect(item.content.query, `${item.name} differs from infra/queries/${item.name}.kql`).toBe(
        queries.get(item.name),
      );
    }
  });

  it("takes every query's time range from its parameter", () => {
    for (const item of queryItems) expect(parameters).toContain(item.content.timeContextFromParameter);
  });
});
