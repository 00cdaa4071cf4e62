// progress.ts — what a training run shows while it runs: on a terminal one self-updating bar with
// the loss, tokens/s and the time left; otherwise (a pipe, a CI log) plain lines now and then.

/** What one optimizer step reports. */
export interface StepReport {
  step: number;
  loss: number;
  lr: number;
  tokensPerSecond: number;
}

/** Where progress goes: a terminal, a pipe, or anything else with write (tests). */
export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** A progress display for steps `from`..`total` (from > 0 after a resume). */
export class Progress {
  private readonly startedAt = performance.now();
  private lastLineAt = -Infinity;
  private barShown = false;

  constructor(
    private readonly total: number,
    private readonly from: number,
    private readonly stream: OutputStream = process.stderr,
    private readonly tty = Boolean(stream.isTTY),
    /** seconds between plain lines when not on a terminal */
    private readonly lineInterval = 5,
  ) {}

  /** Show step `r.step` (1-based: steps completed). */
  update(r: StepReport): void {
    const now = performance.now();
    const done = r.step - this.from;
    const secondsPerStep = (now - this.startedAt) / 1000 / Math.max(1, done);
    const eta = formatDuration(secondsPerStep * (this.total - r.step));
    const stats =
      `loss ${r.loss.toFixed(4)}  lr ${r.lr.toExponential(2)}  ` +
      `${formatRate(r.tokensPerSecond)} tok/s  ETA ${eta}`;
    if (this.tty) {
      const width = 24;
      const filled = Math.round((width * r.step) / this.total);
      const bar = "█".repeat(filled) + "░".repeat(width - filled);
      this.stream.write(`\r\x1b[K${bar} ${r.step}/${this.total}  ${stats}`);
      this.barShown = true;
    } else if (r.step === this.total || now - this.lastLineAt >= this.lineInterval * 1000) {
      this.stream.write(`step ${r.step}/${this.total}  ${stats}\n`);
      this.lastLineAt = now;
    }
  }

  /** Print a line of its own (a validation result, a checkpoint) without mangling the bar. */
  log(line: string): void {
    if (this.barShown) this.stream.write("\r\x1b[K");
    this.stream.write(line + "\n");
    this.barShown = false;
  }

  /** End the bar's line. */
  finish(): void {
    if (this.barShown) this.stream.write("\n");
    this.barShown = false;
  }
}

/** 3723 → "1h02m", 83 → "1m23s", 7 → "7s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** 12345 → "12.3k". */
function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)}M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)}k`;
  return perSecond.toFixed(0);
}
