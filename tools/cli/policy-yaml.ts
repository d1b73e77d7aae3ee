// How the CLI prints a role map as YAML (`policy show`, `openapi import`): the same layout from
// every command, so what one prints can be diffed against what another printed.

import { Document, isScalar, visit } from "yaml";

/** YAML as an operator would write it: short lists of names inline (`methods: [GET, HEAD]`). */
export function asYaml(document: unknown): string {
  const doc = new Document(document);
  visit(doc, {
    Seq(_, node) {
      if (node.items.every(isScalar)) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0 });
}
