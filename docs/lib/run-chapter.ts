// Run a chapter's cells and exercises in Node, through the same SchemeHost the browser's worker
// wraps (playground/src/scheme-host.ts), exactly as a page does: one environment per page, the
// page prelude first, the front matter's models in the file system, cells in order. The checker
// script and the vitest suite use this; the browser tests check the same things in the page.
import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { loadPreludeFromDisk } from "../../interpreter/src/node.ts";
import { SchemeHost } from "../../playground/src/scheme-host.ts";
import type { Figure, FromWorker } from "../../playground/src/protocol.ts";
import {
  PAGE_PRELUDE,
  cellDisplay,
  exerciseCheckSource,
  unwriteString,
  type Chapter,
  type ExerciseCell,
  type LiveCell,
} from "./chapters.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..");

function libraryFiles(): Record<string, string> {
  const dir = join(repoRoot, "scheme-lib", "nano");
  const files: Record<string, string> = {};
  for (const f of readdirSync(dir))
    if (f.endsWith(".sld")) files[`nano/${f}`] = readFileSync(join(dir, f), "utf8");
  return files;
}

/** What running some source in the page's environment gave. */
export interface Evaluation {
  /** What the cell shows (cellDisplay of output and value), or the output so far on error. */
  shown: string;
  /** The last value's preview kind and written text ("null" kind: the empty list). */
  valueKind: string | null;
  valueItems: string[];
  error: string | null;
  figures: Figure[];
  ms: number;
}

export interface LiveResult {
  cell: LiveCell;
  run: Evaluation;
  /** Why the cell fails the chapter's expectations, or null. */
  problem: string | null;
}

export interface ExerciseResult {
  cell: ExerciseCell;
  solution: { pass: boolean; message: string };
  starter: { pass: boolean; message: string };
  problem: string | null;
}

/** One page's Scheme environment. */
export class PageSession {
  private readonly host: SchemeHost;
  private messages: FromWorker[] = [];
  private nextId = 1;

  constructor() {
    this.host = new SchemeHost({
      prelude: loadPreludeFromDisk(),
      libraryFiles: libraryFiles(),
      post: (m) => this.messages.push(m),
    });
  }

  /** Put bundled models at models/<name>.bin, then evaluate the page prelude. */
  async start(models: string[]): Promise<void> {
    for (const name of models) {
      const bytes = readFileSync(join(repoRoot, "models", `${name}.bin`));
      await this.host.handle({
        type: "add-file",
        path: `models/${name}.bin`,
        bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
      });
    }
    const prelude = await this.evaluate(PAGE_PRELUDE);
    if (prelude.error) throw new Error(`the page prelude failed: ${prelude.error}`);
  }

  /** Evaluate source as a cell does. */
  async evaluate(source: string): Promise<Evaluation> {
    const id = this.nextId++;
    this.messages = [];
    const t0 = performance.now();
    await this.host.handle({ type: "repl", id, source });
    const ms = performance.now() - t0;
    let output = "";
    const figures: Figure[] = [];
    let error: string | null = null;
    let valueKind: string | null = null;
    let valueText: string | null = null;
    let valueItems: string[] = [];
    for (const m of this.messages) {
      if (m.type === "output") output += m.text;
      else if (m.type === "figure") figures.push(m.figure);
      else if (m.type === "error" && m.id === id) error = m.message;
      else if (m.type === "repl-result" && m.id === id) {
        const last = m.values[m.values.length - 1];
        if (last) {
          valueKind = last.kind;
          valueText = last.kind === "unspecified" ? null : last.text;
          valueItems = (last.items ?? []).map((p) => p.text);
        }
      }
    }
    const shown = error ? output : cellDisplay(output, valueText);
    return { shown, valueKind, valueItems, error, figures, ms };
  }

  /** Run the reader's code, then judge it with the exercise's check. */
  async checkExercise(code: string, check: string): Promise<{ pass: boolean; message: string }> {
    const answer = await this.evaluate(code);
    if (answer.error) return { pass: false, message: `error: ${answer.error}` };
    const judged = await this.evaluate(exerciseCheckSource(check));
    if (judged.error) return { pass: false, message: `error: ${judged.error}` };
    if (judged.valueKind === "null") return { pass: true, message: "correct" };
    return { pass: false, message: unwriteString(judged.valueItems[0] ?? "a check failed") };
  }
}

/**
 * Run a chapter as a page does: every live cell in order (as on page load), then each exercise
 * judged with its starter code (must fail) and its solution (must pass). Exercises do not run on
 * page load, so live cells cannot depend on them — running them last keeps that honest.
 */
export async function runChapter(
  chapter: Chapter,
  onResult?: (r: LiveResult | ExerciseResult) => void,
): Promise<(LiveResult | ExerciseResult)[]> {
  const page = new PageSession();
  await page.start(chapter.meta.models);
  const results: (LiveResult | ExerciseResult)[] = [];
  const ordered = [
    ...chapter.cells.filter((c) => c.kind === "live"),
    ...chapter.cells.filter((c) => c.kind === "exercise"),
  ];
  for (const cell of ordered) {
    let result: LiveResult | ExerciseResult;
    if (cell.kind === "live") {
      const run = await page.evaluate(cell.code);
      let problem: string | null = null;
      if (run.error) problem = `raised an error: ${run.error}`;
      else if (cell.expected !== null && run.shown !== cell.expected)
        problem = `shows\n${indent(run.shown)}\nbut the chapter expects\n${indent(cell.expected)}`;
      else if (cell.figure && run.figures.length === 0)
        problem = "is marked `figure` but drew nothing";
      result = { cell, run, problem };
    } else {
      const starter = await page.checkExercise(cell.starter, cell.check);
      const solution = await page.checkExercise(cell.solution, cell.check);
      let problem: string | null = null;
      if (!solution.pass) problem = `its solution does not pass: ${solution.message}`;
      else if (starter.pass) problem = "its starter code already passes the check";
      result = { cell, solution, starter, problem };
    }
    results.push(result);
    onResult?.(result);
  }
  return results;
}

function indent(s: string): string {
  return s
    .split("\n")
    .map((l) => `    | ${l}`)
    .join("\n");
}
