// The course's chapters, run in Node through the playground's SchemeHost as a page runs them:
// every live cell shows what its chapter says it shows (and draws when marked `figure`), every
// exercise's solution passes its check and its starter code does not. The browser tests
// (docs/e2e/course.spec.ts) check the same in Chromium, plus links, widgets and console errors.
import { describe, expect, it } from "vitest";
import { listChapters } from "../lib/chapters-node.ts";
import { parseChapter, ChapterError, cellDisplay, normalizeOutput } from "../lib/chapters.ts";
import { runChapter } from "../lib/run-chapter.ts";

const chapters = listChapters();

describe("course chapters", () => {
  it("there are chapters 0–13 in English and 0–2 in Chinese, plus the teacher's page", () => {
    const en = chapters.filter((c) => c.lang === "en" && c.number !== null).map((c) => c.number);
    for (let n = 0; n <= 13; n++) expect(en, `chapter ${n}`).toContain(n);
    const zh = chapters.filter((c) => c.lang === "zh" && c.number !== null).map((c) => c.number);
    for (let n = 0; n <= 2; n++) expect(zh, `zh chapter ${n}`).toContain(n);
    expect(chapters.some((c) => c.lang === "en" && c.slug === "teachers")).toBe(true);
  });

  for (const chapter of chapters) {
    it(`${chapter.lang}/${chapter.slug}: cells show their outputs, exercises judge right`, async () => {
      const results = await runChapter(chapter);
      const problems = results
        .filter((r) => r.problem)
        .map((r) => `${chapter.file}:${r.cell.line}: ${r.cell.kind} ${r.cell.index} ${r.problem}`);
      expect(problems).toEqual([]);
    });
  }
});

describe("chapter format", () => {
  const head = "---\ntitle: T\nminutes: 3\nmodels: sort, nano-pico\nsummary: S\n---\n";
  it("reads the front matter and numbers cells in document order", () => {
    const c = parseChapter(
      head +
        "# T\n```scheme\nstatic\n```\n```scheme live figure\n(a)\n```\n```output\n=> 1  \n\n```\n" +
        "```scheme exercise\n(s)\n```\n```scheme solution\n(t)\n```\n```scheme check\n(c)\n```\n" +
        "```scheme live\n(b)\n```\n",
      "docs/content/zh/03-x.md",
    );
    expect(c.meta).toEqual({ title: "T", minutes: 3, models: ["sort", "nano-pico"], summary: "S" });
    expect([c.lang, c.slug, c.number]).toEqual(["zh", "03-x", 3]);
    expect(c.cells.map((x) => x.kind)).toEqual(["live", "exercise", "live"]);
    expect(c.cells[0]).toMatchObject({ code: "(a)\n", figure: true, expected: "=> 1", line: 11 });
    expect(c.cells[1]).toMatchObject({ starter: "(s)\n", solution: "(t)\n", check: "(c)\n" });
    expect(c.cells[2]).toMatchObject({ expected: null, figure: false });
  });
  it("refuses a chapter that breaks the format, naming file and line", () => {
    const bad = (text: string) => () => parseChapter(text, "x/en/01-a.md");
    expect(bad("# no front matter")).toThrow(/01-a.md:1: a chapter starts with front matter/);
    expect(bad("---\nminutes: 1\n---\n")).toThrow(/needs a title/);
    expect(bad("---\ntitle: a\ncolour: red\n---\n")).toThrow(/unknown front-matter key 'colour'/);
    expect(bad("---\ntitle: a\nminutes: soon\n---\n")).toThrow(/minutes must be a whole number/);
    expect(bad(head + "```output\nx\n```\n")).toThrow(
      /01-a.md:7: an `output` block must come right after a `scheme live` cell/,
    );
    expect(bad(head + "```scheme exercise\nx\n```\n")).toThrow(ChapterError);
  });
  it("shows output then the value, and compares without trailing spaces", () => {
    expect(cellDisplay("hi\n", "6")).toBe("hi\n=> 6");
    expect(cellDisplay("hi", "6")).toBe("hi\n=> 6");
    expect(cellDisplay("", null)).toBe("");
    expect(normalizeOutput("a  \r\nb\n\n")).toBe("a\nb");
  });
});
