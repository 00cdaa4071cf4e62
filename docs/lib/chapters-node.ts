// Reading the course's chapters from disk (Node only: the site gets them through Vite).
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseChapter, type Chapter } from "./chapters.ts";

export const contentDir = resolve(import.meta.dirname, "..", "content");

/** Every page of every language, ordered by language (en first), then chapter number, then name. */
export function listChapters(dir = contentDir): Chapter[] {
  if (!existsSync(dir)) return [];
  const langs = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort((a, b) => (a === "en" ? -1 : b === "en" ? 1 : a.localeCompare(b)));
  const chapters: Chapter[] = [];
  for (const lang of langs) {
    const files = readdirSync(join(dir, lang)).filter((f) => f.endsWith(".md"));
    for (const f of files.sort()) {
      const file = join(dir, lang, f);
      chapters.push(parseChapter(readFileSync(file, "utf8"), `docs/content/${lang}/${f}`));
    }
  }
  return chapters;
}
