// Any behaviour is one hop from the README: each section says where its code lives, and every
// file or folder it names there exists.

import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const root = new URL("../../", import.meta.url);
const readme = readFileSync(new URL("README.md", root), "utf8");
const sections = [...readme.matchAll(/^(#{2,3}) (.+)\n([\s\S]*?)(?=^#{2,3} |$(?![\s\S]))/gm)].map((m) => ({
  heading: m[2] as string,
  body: m[3] as string,
}));
// Sections that are steps of another (the deployment's) or the layout itself.
const EXEMPT = /^(Layout|Prerequisites|Options|\d\. )/;

describe("README sections", () => {
  it("each name where their behaviour lives", () => {
    const missing = sections
      .filter((section) => !EXEMPT.test(section.heading))
      .filter((section) => !/^Where it lives: /m.test(section.body))
      .map((section) => section.heading);
    expect(missing).toEqual([]);
  });

  it("name only files and folders that exist", () => {
    const lines = sections.flatMap((section) => section.body.match(/^Where it lives: .*$/gm) ?? []);
    expect(lines.length).toBeGreaterThan(10);
    // A path holds a slash or a file extension; a bare file name is in the folder named before it.
    const isPath = (text: string) => text.includes("/") || /\.[a-z]+$/.test(text);
    const named: string[] = [];
    for (const line of lines) {
      let folder = "";
      for (const [, text = ""] of line.matchAll(/`([^`\s]+)`/g)) {
        if (!isPath(text)) continue;
        const path = text.includes("/") || existsSync(new URL(text, root)) ? text : `${folder}${text}`;
        if (text.includes("/")) folder = text.slice(0, text.lastIndexOf("/") + 1);
        named.push(path);
      }
    }
    expect(named.length).toBeGreaterThan(20);
    expect(named.filter((path) => !existsSync(new URL(path, root)))).toEqual([]);
  });
});
