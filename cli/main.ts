// nanolm — NanoLM's command-line tool: one front door to the engines and to training.
// Each subcommand lives in its own module and is loaded only when used, so `--help` is instant.
import { CliError } from "./common.ts";

const USAGE = `usage: nanolm <command> [options]

commands:
  run       generate text from a prompt (native, WebAssembly or Scheme engine)
  seq2seq   run a non-causal model on an input (e.g. the sort model)
  inspect   show a .bin file's header, config, parameter count and tokenizer
  quantize  convert an F32 .bin to Q8_0, byte-identical to the original Nano exporter
  train     train a model (pretraining, SFT, LoRA, toy tasks) from a JSON config
  export    write a training checkpoint as a .bin model or LoRA module (F32 or Q8_0)
  plot      draw a training log's loss curves to an SVG or PNG file
  tokenizer build a tokenizer (JSON) from corpus files, for training
  demo      a short tour on the models at hand (what \`npm start\` runs)
  scheme    run a Scheme program (R7RS-small): nanolm scheme FILE.scm [args…]
  repl      an interactive Scheme REPL

Run \`nanolm <command> --help\` for a command's options.`;

type Command = (argv: string[]) => Promise<number>;

const commands: Record<string, () => Promise<Command>> = {
  run: async () => (await import("./run.ts")).runCommand,
  seq2seq: async () => (await import("./run.ts")).seq2seqCommand,
  inspect: async () => (await import("./inspect.ts")).inspectCommand,
  quantize: async () => (await import("./quantize.ts")).quantizeCommand,
  demo: async () => (await import("./demo.ts")).demoCommand,
  train: async () => (await import("./train.ts")).trainCommand,
  export: async () => (await import("./export.ts")).exportCommand,
  plot: async () => (await import("./plot.ts")).plotCommand,
  tokenizer: async () => (await import("./tokenizer.ts")).tokenizerCommand,
  scheme: async () => schemeAdapter("schemeCommand"),
  repl: async () => schemeAdapter("replCommand"),
};

/** The Scheme commands report usage errors with their own class (they are also bundled alone). */
async function schemeAdapter(name: "schemeCommand" | "replCommand"): Promise<Command> {
  const mod = await import("./scheme.ts");
  return async (argv) => {
    try {
      return await mod[name](argv);
    } catch (e) {
      if (e instanceof mod.SchemeUsageError) throw new CliError(e.message, 2);
      throw e;
    }
  };
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE + "\n");
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) throw new CliError(`unknown command '${name}'\n\n${USAGE}`, 2);
  return (await load())(rest);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof CliError) {
    process.stderr.write(`nanolm: error: ${e.message}\n`);
    process.exitCode = e.exitCode;
  } else {
    // An engine or format error carries a message meant for the user; anything else is a bug.
    const err = e as Error;
    const userFacing = err?.name === "NanoFormatError" || err?.name === "NanoEngineError";
    process.stderr.write(
      `nanolm: error: ${userFacing ? err.message : (err?.stack ?? String(e))}\n`,
    );
    process.exitCode = 1;
  }
}
