// `nanolm run|seq2seq --engine wasm`: the same contract as the native engine, on the WebAssembly
// build driven through the typed `Engine` wrapper (engine-c/ts/engine.ts).
import { Engine } from "../engine-c/ts/engine.ts";
import { CliError } from "./common.ts";
import { readBytes, type RunOptions, type Seq2SeqOptions } from "./run.ts";

const INSTRUCT_MARK = 4;
const RESPONSE_MARK = 5;
const DEFAULT_MAX_NEW_TOKENS = 256;

/** Open an engine with the model (and LoRA module) loaded; the caller disposes it. */
async function openEngine(model: string, threads: number, lora?: string): Promise<Engine> {
  const engine = await Engine.create({ threads });
  try {
    engine.load(readBytes(model));
    if (lora) engine.loadLora(readBytes(lora));
    return engine;
  } catch (e) {
    engine.dispose();
    throw e;
  }
}

/** Print a value as JSON on one line (the contract's single object). */
function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value) + "\n");
}

/** Tokens per second, 0 when nothing was timed. */
function rate(tokens: number, ms: number): number {
  return tokens > 0 && ms > 0 ? tokens / (ms / 1000) : 0;
}

/** nanolm run --engine wasm */
export async function runWasm(o: RunOptions): Promise<number> {
  const engine = await openEngine(o.model, o.threads, o.lora);
  try {
    const { blockSize } = engine.info.config;
    const text = engine.encode(o.prompt);
    const promptIds = o.instruct ? [INSTRUCT_MARK, ...text, RESPONSE_MARK] : text;
    if (promptIds.length >= blockSize) {
      throw new CliError(
        `prompt is ${promptIds.length} tokens but the model's block_size is ${blockSize}`,
      );
    }
    const room = blockSize - promptIds.length;
    const maxNewTokens = Math.min(o.maxNewTokens ?? DEFAULT_MAX_NEW_TOKENS, room);
    const seed =
      o.seed ?? BigInt(Date.now()) * 1_000_000n + BigInt(process.hrtime()[1] % 1_000_000);
    const outputIds: number[] = [];
    let output = "";
    const tokens = engine.generate(promptIds, {
      maxNewTokens,
      ignoreEos: o.ignoreEos,
      sampler: {
        temperature: o.temperature,
        topK: o.topK,
        topP: o.topP,
        repetitionPenalty: o.repetitionPenalty,
        seed,
      },
    });
    for await (const token of tokens) {
      outputIds.push(token.id);
      output += token.text;
      if (!o.json) process.stdout.write(token.text);
    }
    const stats = engine.stats;
    if (o.json) {
      printJson({
        prompt_ids: promptIds,
        output_ids: outputIds,
        text: output,
        stats: {
          prefill_tokens_per_s: rate(stats.promptTokens, stats.prefillMs),
          decode_tokens_per_s: rate(stats.decodeTokens, stats.decodeMs),
        },
      });
    } else {
      process.stdout.write("\n");
    }
    return 0;
  } finally {
    engine.dispose();
  }
}

/** nanolm seq2seq --engine wasm */
export async function seq2seqWasm(o: Seq2SeqOptions): Promise<number> {
  const engine = await openEngine(o.model, o.threads);
  try {
    const { blockSize } = engine.info.config;
    const inputIds = engine.encode(o.input);
    if (inputIds.length !== blockSize) {
      throw new CliError(
        `input is ${inputIds.length} tokens but seq2seq needs exactly block_size (${blockSize}) tokens`,
      );
    }
    const outputIds = engine.seq2seq(inputIds);
    const text = engine.decode(outputIds);
    if (o.json) printJson({ input_ids: inputIds, output_ids: outputIds, text });
    else process.stdout.write(text + "\n");
    return 0;
  } finally {
    engine.dispose();
  }
}
