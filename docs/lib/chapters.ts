// A course chapter as data: its front matter and its cells, read from the Markdown file
// (docs/AUTHORING.md is the format). The site renders from this, the Node checker
// (docs/scripts/check-chapters.ts) and the browser tests run from it, so all three agree on which
// cell is which: cells are numbered in document order over markdown-it's fence tokens.
import MarkdownIt from "markdown-it";

export interface ChapterMeta {
  title: string;
  /** Reading-and-doing time in minutes (the course's total is their sum). */
  minutes: number;
  /** Bundled models the cells read, put at models/<name>.bin before the first cell runs. */
  models: string[];
  summary: string;
}

export interface LiveCell {
  kind: "live";
  index: number;
  code: string;
  /** Must draw at least one picture. */
  figure: boolean;
  /** What the cell must show (normalized), or null when the chapter gives no `output` block. */
  expected: string | null;
  /** 1-based line of the cell's fence in the file. */
  line: number;
}

export interface ExerciseCell {
  kind: "exercise";
  index: number;
  starter: string;
  solution: string;
  check: string;
  line: number;
}

export type Cell = LiveCell | ExerciseCell;

export interface Chapter {
  /** "en", "zh": the folder the file is in. */
  lang: string;
  /** The file name without ".md" ("05-attention", "teachers"): the page's name. */
  slug: string;
  /** The chapter number from the file name, or null for pages that are not chapters. */
  number: number | null;
  file: string;
  meta: ChapterMeta;
  /** The Markdown after the front matter. */
  body: string;
  /** Lines taken by the front matter (add to a body line number to get the file's line). */
  bodyLineOffset: number;
  cells: Cell[];
}

/** A chapter file that does not follow docs/AUTHORING.md; the message names file and line. */
export class ChapterError extends Error {
  constructor(file: string, line: number, message: string) {
    super(`${file}:${line}: ${message}`);
    this.name = "ChapterError";
  }
}

/** The import every page evaluates before its first cell (docs/AUTHORING.md, "Cells"). */
export const PAGE_PRELUDE =
  "(import (scheme base) (scheme write) (scheme inexact) (scheme char) (srfi 4) (nanolm docs))";

/** The fence info strings a chapter may use. */
const FENCE_KINDS = ["live", "output", "exercise", "solution", "check"] as const;
type FenceKind = (typeof FENCE_KINDS)[number] | "static";

/** What a fence's info string makes it: `scheme live figure` → live, `output` → output, … */
export function fenceKind(info: string): FenceKind {
  const words = info.trim().split(/\s+/);
  if (words[0] === "output") return "output";
  if (words[0] !== "scheme" || words.length < 2) return "static";
  const kind = words[1] as FenceKind;
  return (FENCE_KINDS as readonly string[]).includes(kind) && kind !== "output" ? kind : "static";
}

/** A cell's output as compared: no \r, no trailing spaces on a line, no trailing blank lines. */
export function normalizeOutput(s: string): string {
  return s
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((line) => line.replace(/\s+$/, ""))
    .join("\n")
    .replace(/\n+$/, "");
}

/** What a cell shows: its output, then `=> value` when the last value is not unspecified. */
export function cellDisplay(output: string, value: string | null): string {
  const shown =
    value === null ? output : `${output}${output && !output.endsWith("\n") ? "\n" : ""}=> ${value}`;
  return normalizeOutput(shown);
}

/** Lang, slug and number from a path like docs/content/zh/02-tokens.md. */
export function chapterFileInfo(file: string): {
  lang: string;
  slug: string;
  number: number | null;
} {
  const parts = file.replace(/\\/g, "/").split("/");
  const name = parts[parts.length - 1].replace(/\.md$/, "");
  const lang = parts.length >= 2 ? parts[parts.length - 2] : "en";
  const m = /^(\d+)-/.exec(name);
  return { lang, slug: name, number: m ? Number(m[1]) : null };
}

function parseFrontMatter(
  text: string,
  file: string,
): { meta: ChapterMeta; body: string; lines: number } {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  if (lines[0] !== "---")
    throw new ChapterError(file, 1, "a chapter starts with front matter ('---')");
  const end = lines.indexOf("---", 1);
  if (end < 0) throw new ChapterError(file, 1, "the front matter has no closing '---'");
  const fields = new Map<string, string>();
  for (let i = 1; i < end; i++) {
    const line = lines[i];
    if (line.trim() === "") continue;
    const m = /^([a-z][a-z0-9-]*):\s*(.*)$/.exec(line);
    if (!m)
      throw new ChapterError(
        file,
        i + 1,
        `expected 'key: value' in the front matter, got '${line}'`,
      );
    fields.set(m[1], m[2].trim());
  }
  const known = new Set(["title", "minutes", "models", "summary"]);
  for (const key of fields.keys())
    if (!known.has(key))
      throw new ChapterError(
        file,
        1,
        `unknown front-matter key '${key}' (known: ${[...known].join(", ")})`,
      );
  const title = fields.get("title");
  if (!title) throw new ChapterError(file, 1, "the front matter needs a title");
  const minutesText = fields.get("minutes") ?? "0";
  const minutes = Number(minutesText);
  if (!Number.isInteger(minutes) || minutes < 0)
    throw new ChapterError(file, 1, `minutes must be a whole number, got '${minutesText}'`);
  const models = (fields.get("models") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const m of models)
    if (!/^[a-z0-9-]+$/.test(m)) throw new ChapterError(file, 1, `bad model name '${m}'`);
  return {
    meta: { title, minutes, models, summary: fields.get("summary") ?? "" },
    body: lines.slice(end + 1).join("\n"),
    lines: end + 1,
  };
}

let markdown: InstanceType<typeof MarkdownIt> | undefined; // made on first use, so pages that only import types skip it

/** Parse a chapter's text; throws ChapterError (with file:line) when it breaks the format. */
export function parseChapter(text: string, file: string): Chapter {
  const { meta, body, lines } = parseFrontMatter(text, file);
  markdown ??= new MarkdownIt({ html: true });
  const tokens = markdown.parse(body, {}).filter((t) => t.block && t.level === 0);
  const cells: Cell[] = [];
  const lineOf = (i: number) => (tokens[i].map?.[0] ?? 0) + lines + 1;
  const fenceAt = (i: number) => (tokens[i]?.type === "fence" ? fenceKind(tokens[i].info) : null);
  for (let i = 0; i < tokens.length; i++) {
    const kind = fenceAt(i);
    if (kind === null || kind === "static") continue;
    const line = lineOf(i);
    if (kind === "live") {
      const figure = tokens[i].info.trim().split(/\s+/).includes("figure");
      let expected: string | null = null;
      if (fenceAt(i + 1) === "output") {
        expected = normalizeOutput(tokens[i + 1].content);
        i++;
      }
      cells.push({
        kind: "live",
        index: cells.length,
        code: tokens[i - (expected === null ? 0 : 1)].content,
        figure,
        expected,
        line,
      });
    } else if (kind === "exercise") {
      if (fenceAt(i + 1) !== "solution" || fenceAt(i + 2) !== "check")
        throw new ChapterError(
          file,
          line,
          "an exercise must be followed by a `scheme solution` and a `scheme check` block",
        );
      cells.push({
        kind: "exercise",
        index: cells.length,
        starter: tokens[i].content,
        solution: tokens[i + 1].content,
        check: tokens[i + 2].content,
        line,
      });
      i += 2;
    } else {
      const what = kind === "output" ? "an `output` block" : `a \`scheme ${kind}\` block`;
      const after =
        kind === "output"
          ? "a `scheme live` cell"
          : kind === "solution"
            ? "a `scheme exercise`"
            : "a `scheme solution`";
      throw new ChapterError(file, line, `${what} must come right after ${after}`);
    }
  }
  return { ...chapterFileInfo(file), file, meta, body, bodyLineOffset: lines, cells };
}

/**
 * The source that judges an exercise, evaluated after the reader's code in the page's
 * environment: its value is the list of failed `expect` messages (empty: the answer passes).
 */
export function exerciseCheckSource(check: string): string {
  return `(docs-reset-checks!)\n${check}\n(docs-check-failures)`;
}

/** A failure message as the worker's preview writes it (a Scheme string literal) → plain text. */
export function unwriteString(written: string): string {
  if (!written.startsWith('"')) return written;
  const inner = written.endsWith('"') ? written.slice(1, -1) : written.slice(1);
  return inner.replace(/\\(x[0-9a-fA-F]+;|.)/g, (_, e: string) =>
    e[0] === "x" && e.length > 1
      ? String.fromCodePoint(parseInt(e.slice(1, -1), 16))
      : e === "n"
        ? "\n"
        : e === "t"
          ? "\t"
          : e,
  );
}
