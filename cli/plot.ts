// `nanolm plot`: a training log's loss curves (train, smoothed train, validation) drawn to an SVG
// or PNG file; the drawing and both encoders live in training/src/plot.ts.
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { writeFileAtomically } from "../training/src/checkpoint.ts";
import { PlotError, plotLog } from "../training/src/plot.ts";
import { CliError, existingFile, parseFlags } from "./common.ts";

const USAGE = `usage: nanolm plot LOG.jsonl OUT.svg|OUT.png [--title TITLE]

Draw the loss curves of a training log (the log.jsonl in a run's output folder): the training
loss, its smoothed average and the validation loss against the step. The output format follows
the file extension. PNG labels use a built-in 5×7 capital-letter font.`;

/** nanolm plot */
export async function plotCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { title: { type: "string" } }, USAGE, 2);
  if (positionals.length !== 2) {
    throw new CliError(`LOG.jsonl and OUT.svg|OUT.png are required\n\n${USAGE}`, 2);
  }
  const [logPath, outPath] = positionals;
  const extension = extname(outPath).toLowerCase();
  if (extension !== ".svg" && extension !== ".png") {
    throw new CliError(`cannot tell the format of '${outPath}': name it .svg or .png`, 2);
  }
  const text = readFileSync(existingFile(logPath), "utf8");
  let result;
  try {
    result = plotLog(text, extension === ".svg" ? "svg" : "png", {
      title: values.title,
      source: logPath,
    });
  } catch (e) {
    if (e instanceof PlotError) throw new CliError(e.message);
    throw e;
  }
  for (const warning of result.curves.warnings) process.stderr.write(`nanolm: ${warning}\n`);
  try {
    const output = result.output;
    writeFileAtomically(outPath, [
      typeof output === "string" ? new TextEncoder().encode(output) : output,
    ]);
  } catch (e) {
    throw new CliError(`cannot write ${outPath}: ${(e as Error).message}`);
  }
  const { train, val } = result.curves;
  process.stderr.write(
    `nanolm: wrote ${outPath}: ${train.length} training and ${val.length} validation points\n`,
  );
  return 0;
}
