// `nanolm train CONFIG.json`: run (or resume) the training a config describes; the loop lives in
// training/src/train.ts. Exit status 0 when the run finished, 1 when it stopped (e.g. on NaN).
import { loadTrainConfig } from "../training/src/config.ts";
import { train } from "../training/src/train.ts";
import { CliError, existingFile, parseFlags } from "./common.ts";

const USAGE = `usage: nanolm train CONFIG.json [--resume] [--backend tensorflow|wasm|cpu]

Train a model as CONFIG.json describes (see training/configs/). Checkpoints (last.ckpt, best.ckpt)
and log.jsonl go to the config's "out" folder.
  --resume   continue from out/last.ckpt exactly where the run stopped
  --backend  the TensorFlow.js backend (default: the fastest that starts here)`;

/** Errors whose messages are written for the user (bad config, checkpoint, data, NaN, …). */
const USER_FACING = new Set([
  "ConfigError",
  "CheckpointError",
  "TrainingError",
  "DataError",
  "TokenizerError",
  "NanoFormatError",
]);

/** nanolm train */
export async function trainCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    { resume: { type: "boolean" }, backend: { type: "string" } },
    USAGE,
    1,
  );
  if (positionals.length !== 1) throw new CliError(`CONFIG.json is required\n\n${USAGE}`, 2);
  try {
    const config = loadTrainConfig(existingFile(positionals[0]));
    await train(config, { resume: values.resume, backend: values.backend });
  } catch (e) {
    if (USER_FACING.has((e as Error)?.name)) throw new CliError((e as Error).message);
    throw e;
  }
  return 0;
}
