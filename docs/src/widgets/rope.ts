// RoPE with sliders (chapter 5): move a query and a key to any positions and watch one of their
// 2-D pairs turn; the attention score depends only on how far apart they are. Every number comes
// from the page's Scheme worker: the real query of "cat" (head 2) and key of "little" from the
// first layer of nano-pico, rotated by (nano model)'s own rotate! with the model's stored tables.
import type { DocsContext, SchemeRun, Widget } from "../widget-api.ts";
import { element, slider } from "../dom.ts";

/** The largest distance the score-by-distance bars show. */
const MAX_DISTANCE = 15;

/** Defines `(rope-widget-draw query-position key-position pair)` in the page's environment: it
 *  draws the pair's two arrows and the score by distance, and returns (score distance). Its
 *  helpers live inside one `let`, so the page's own definitions are neither used nor disturbed. */
const SETUP = `
(import (nanolm extras) (nano format) (nano model) (nano tokenizer))
(define rope-widget-draw
  (let* ((model (read-model "models/nano-pico.bin"))
         (tokenizer (make-tokenizer model))
         (head-dim (config-head-dim (model-config model)))
         (layer-1-input
          (lambda (word)
            (rms-norm (embed model (car (encode tokenizer word)))
                      (vector-ref (model-attention-norm model) 0))))
         ;; query head 2 of "cat" and key/value head 1 of "little", before rotation: (head-dim)
         (query (f32vector-copy (matvec (vector-ref (model-wq model) 0) (layer-1-input "cat"))
                                head-dim (* 2 head-dim)))
         (key (f32vector-copy (matvec (vector-ref (model-wk model) 0) (layer-1-input "little"))
                              0 head-dim))
         (at-position (lambda (v position) (rotate! (f32vector-copy v) 1 position model)))
         (dot (lambda (a b)
                (do ((i 0 (+ i 1))
                     (sum 0.0 (+ sum (* (f32vector-ref a i) (f32vector-ref b i)))))
                    ((= i head-dim) sum))))
         (score (lambda (query-position key-position)
                  (dot (at-position query query-position) (at-position key key-position))))
         (arrow (lambda (v pair label)
                  (list (f32vector-ref v (* 2 pair)) (f32vector-ref v (+ (* 2 pair) 1)) label))))
    (lambda (query-position key-position pair)
      (let ((q (at-position query query-position))
            (k (at-position key key-position))
            (distance (- query-position key-position)))
        (show-arrows (list (arrow q pair "query: cat") (arrow k pair "key: little"))
                     \`((title . ,(string-append "pair " (number->string (+ pair 1)) " of 12"))))
        (show-bars (map number->string (iota ${MAX_DISTANCE + 1}))
                   (map (lambda (d) (score d 0)) (iota ${MAX_DISTANCE + 1}))
                   (let ((title "score q·k by distance, the same at every position"))
                     (if (<= 0 distance ${MAX_DISTANCE})
                         \`((title . ,title) (highlight . ,distance))
                         \`((title . ,title)))))
        (list (round-to (dot q k) 3) distance)))))
`;

function showError(el: HTMLElement, message: string): void {
  const error = element("pre", "error-text", message);
  el.dataset.error = "true";
  el.replaceChildren(error);
}

const rope: Widget = async (el: HTMLElement, ctx: DocsContext) => {
  const setup = await ctx.runScheme(SETUP);
  if (setup.error) {
    showError(el, setup.error);
    return;
  }

  // The sliders' names, slider and value line up in a grid (style.css: .rope-controls).
  const controls = element("div", "rope-controls");
  const positions = { min: 0, max: 127, step: 1 };
  const queryPosition = slider(ctx.t("rope.query", "query position"), { ...positions, value: 8 });
  const keyPosition = slider(ctx.t("rope.key", "key position"), { ...positions, value: 6 });
  // Pairs are counted from 1, as the figure's title counts them.
  const pair = slider(ctx.t("rope.pair", "pair"), { min: 0, max: 11, step: 1, value: 0 }, (v) =>
    String(v + 1),
  );
  controls.append(queryPosition.row, keyPosition.row, pair.row);
  const summary = element("p", "widget-summary");
  const arrows = element("div");
  const bars = element("div");
  const figures = element("div", "rope-figures");
  figures.append(arrows, bars);
  el.replaceChildren(controls, summary, figures);

  let running = false;
  let pending = false;

  const describe = (run: SchemeRun): string => {
    // The value is written as (score distance), e.g. "(49.904 2)".
    const [score, distance] = (run.value ?? "").replace(/[()]/g, "").split(/\s+/);
    const d = Number(distance);
    const where =
      d < 0
        ? ctx.t("rope.future", "the key is {d} positions in the future: the causal mask hides it")
        : ctx.t("rope.distance", "the key is {d} positions before the query");
    return `${where.replace("{d}", String(Math.abs(d)))}; ${ctx.t("rope.score", "score q·k")} = ${score}`;
  };

  // Draw the current slider values; while a run is in flight, remember that another is wanted
  // and run once more at the end, so dragging never queues up stale runs.
  const draw = async (): Promise<void> => {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    try {
      do {
        pending = false;
        const call = `(rope-widget-draw ${Number(queryPosition.input.value)} ${Number(keyPosition.input.value)} ${Number(pair.input.value)})`;
        let run = await ctx.runScheme(call);
        // A Stop empties the page's environment: define the procedure again and retry once.
        if (run.error && !(await ctx.runScheme(SETUP)).error) run = await ctx.runScheme(call);
        if (run.error || run.figures.length < 2) {
          showError(el, run.error ?? "rope: the engine drew no picture");
          return;
        }
        ctx.renderFigure(arrows, run.figures[0]);
        ctx.renderFigure(bars, run.figures[1]);
        summary.textContent = describe(run);
        el.dataset.ready = "true";
      } while (pending);
    } finally {
      running = false;
    }
  };

  for (const s of [queryPosition, keyPosition, pair])
    s.input.addEventListener("input", () => void draw());
  await draw();
};

export default rope;
