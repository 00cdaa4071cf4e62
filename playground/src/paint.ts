// paint.ts — when the panels that follow a generation redraw. Tokens can arrive faster than the
// eye follows (and, from the decoder worker, faster than frames): every redraw costs style,
// layout and paint on the page's thread, which shares the machine's cores with the engines. So
// each kind of redraw runs at most once per PAINT_INTERVAL_MS, with the latest state, on a frame.

/** The shortest time between two redraws of one panel (~15 per second). */
export const PAINT_INTERVAL_MS = 66;

/** Run the latest job given to `schedule` on an animation frame, at most once per interval. */
export class PaintThrottle {
  private job: (() => void) | null = null;
  private queued = false;
  private last = -Infinity;

  constructor(private readonly intervalMs = PAINT_INTERVAL_MS) {}

  /** Ask for `job` to run soon; a later call before it runs replaces it. */
  schedule(job: () => void): void {
    this.job = job;
    if (this.queued) return;
    this.queued = true;
    const wait = this.last + this.intervalMs - performance.now();
    const onFrame = () => {
      this.queued = false;
      this.last = performance.now();
      const run = this.job;
      this.job = null;
      run?.();
    };
    if (wait <= 0) requestAnimationFrame(onFrame);
    else setTimeout(() => requestAnimationFrame(onFrame), wait);
  }
}
