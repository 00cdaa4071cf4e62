// Run the course's cells and exercises in Node and say which do not do what their chapter says.
//   npx tsx docs/scripts/check-chapters.ts [--print] [FILTER…]
// FILTER: a substring of "lang/slug" (e.g. "05-attention", "zh/", "en/0[0-2]" as a regex).
// --print shows each live cell's output as the page shows it (check it, then paste it into the
// chapter's `output` block). Exit status 1 when anything fails.
import { listChapters } from "../lib/chapters-node.ts";
import { runChapter } from "../lib/run-chapter.ts";

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  process.stdout.write("usage: npx tsx docs/scripts/check-chapters.ts [--print] [FILTER…]\n");
  process.exit(0);
}
const print = args.includes("--print");
const filters = args.filter((a) => !a.startsWith("--")).map((f) => new RegExp(f));
const chapters = listChapters().filter(
  (c) => filters.length === 0 || filters.some((f) => f.test(`${c.lang}/${c.slug}`)),
);
if (chapters.length === 0) {
  process.stderr.write("check-chapters: no chapter matches\n");
  process.exit(1);
}

let failures = 0;
for (const chapter of chapters) {
  process.stdout.write(`\n== ${chapter.lang}/${chapter.slug} (${chapter.cells.length} cells)\n`);
  const t0 = performance.now();
  await runChapter(chapter, (r) => {
    const where = `${chapter.file}:${r.cell.line}`;
    if (r.problem) failures++;
    if (r.cell.kind === "live" && "run" in r) {
      const slow = r.run.ms > 2000 ? ` (slow: ${(r.run.ms / 1000).toFixed(1)} s)` : "";
      const figs = r.run.figures.length ? `, ${r.run.figures.length} figure(s)` : "";
      process.stdout.write(
        `${r.problem ? "FAIL" : "ok  "} cell ${r.cell.index} ${where}${figs}${slow}\n`,
      );
      if (r.problem) process.stdout.write(`     ${r.problem.replace(/\n/g, "\n     ")}\n`);
      if (print && !r.problem) process.stdout.write("```output\n" + r.run.shown + "\n```\n");
      if (print && r.run.error)
        process.stdout.write("     output before the error:\n" + r.run.shown + "\n");
    } else if ("solution" in r) {
      process.stdout.write(
        `${r.problem ? "FAIL" : "ok  "} exercise ${r.cell.index} ${where}: solution ${r.solution.pass ? "passes" : "fails"}, starter ${r.starter.pass ? "passes" : `fails (${r.starter.message})`}\n`,
      );
      if (r.problem) process.stdout.write(`     ${r.problem}\n`);
    }
  });
  process.stdout.write(`   ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}
process.stdout.write(
  failures
    ? `\n${failures} problem(s)\n`
    : "\nall cells and exercises behave as their chapters say\n",
);
process.exit(failures ? 1 : 0);
