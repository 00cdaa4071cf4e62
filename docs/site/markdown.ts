// Markdown → HTML for the course's pages (markdown-it, HTML allowed for the widgets' <div>s):
// headings get GitHub-style slug ids, links to other chapters' `.md` files become links to their
// built pages, and the cells' fences become the placeholders docs/src/notebook.ts brings to life.
import MarkdownIt from "markdown-it";
import type { Token } from "markdown-it";

/** A heading of the rendered page. */
export interface Heading {
  level: number;
  id: string;
  text: string;
}

/** What the renderer needs to know about the page it renders. */
export interface RenderOptions {
  /**
   * Where a relative link's target is published: given the link's path (as written, without its
   * `#anchor`), the page's URL relative to the current page, or null for a target that is not a
   * page of the course (it is then shown as text, since the built site has no repository files).
   */
  resolveLink(path: string): string | null;
  /** False for pages whose fences are only examples (the authoring guide): no cells at all. */
  cells: boolean;
}

export interface Rendered {
  html: string;
  headings: Heading[];
  /** How many cell placeholders were emitted (must equal the parser's cell count). */
  cellCount: number;
}

interface RenderEnv {
  options: RenderOptions;
  headings: Heading[];
  usedIds: Map<string, number>;
  cellCount: number;
  /** Inside a link that was turned into text. */
  droppedLink: boolean;
}

/** GitHub's heading anchors: lower case, punctuation dropped (letters of every script kept),
 *  spaces → "-"; a repeated slug gets "-1", "-2", … */
export function slugify(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/** The plain text of an inline token's children (what a heading says). */
function inlineText(token: Token | undefined): string {
  if (!token?.children) return token?.content ?? "";
  return token.children
    .map((c) => (c.type === "text" || c.type === "code_inline" ? c.content : ""))
    .join("");
}

const CELL_FENCE = /^scheme\s+(live|exercise)\b/;
/** Fences that belong to the cell before them and are never shown as code. */
const CELL_PARTS = new Set(["output", "scheme solution", "scheme check"]);

function makeRenderer() {
  const md = new MarkdownIt({ html: true, linkify: false, typographer: false });

  md.renderer.rules.heading_open = (tokens, idx, options, renderEnv, self) => {
    const env = renderEnv as unknown as RenderEnv;
    const token = tokens[idx];
    const text = inlineText(tokens[idx + 1]);
    const base = slugify(text) || "section";
    const seen = env.usedIds.get(base) ?? 0;
    env.usedIds.set(base, seen + 1);
    const id = seen === 0 ? base : `${base}-${seen}`;
    token.attrSet("id", id);
    env.headings.push({ level: Number(token.tag.slice(1)), id, text });
    return self.renderToken(tokens, idx, options);
  };
  md.renderer.rules.heading_close = (tokens, idx, options, _env, self) => {
    const id = tokens[idx - 2]?.attrGet("id") as string | null | undefined;
    const anchor = id
      ? `<a class="heading-anchor" href="#${escapeHtml(id)}" aria-hidden="true">#</a>`
      : "";
    return anchor + self.renderToken(tokens, idx, options);
  };

  md.renderer.rules.link_open = (tokens, idx, options, renderEnv, self) => {
    const env = renderEnv as unknown as RenderEnv;
    const token = tokens[idx];
    const href = String(token.attrGet("href") ?? "");
    if (href.startsWith("#") || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) {
      if (/^https?:/i.test(href)) token.attrSet("rel", "noopener");
      return self.renderToken(tokens, idx, options);
    }
    const hash = href.indexOf("#");
    const path = hash >= 0 ? href.slice(0, hash) : href;
    const anchor = hash >= 0 ? href.slice(hash) : "";
    const url = env.options.resolveLink(decodeURI(path));
    if (url === null) {
      env.droppedLink = true;
      return `<span class="repo-path" title="${escapeHtml(`NanoLM repository: ${path}`)}">`;
    }
    token.attrSet("href", url + anchor);
    return self.renderToken(tokens, idx, options);
  };
  md.renderer.rules.link_close = (tokens, idx, options, renderEnv, self) => {
    const env = renderEnv as unknown as RenderEnv;
    if (env.droppedLink) {
      env.droppedLink = false;
      return "</span>";
    }
    return self.renderToken(tokens, idx, options);
  };

  const fence = md.renderer.rules.fence!;
  md.renderer.rules.fence = (tokens, idx, options, renderEnv, self) => {
    const env = renderEnv as unknown as RenderEnv;
    const token = tokens[idx];
    const info = token.info.trim();
    // Cells are top-level fences only, as the parser (docs/lib/chapters.ts) counts them.
    if (env.options.cells && token.level === 0) {
      const cell = CELL_FENCE.exec(info);
      if (cell) {
        const index = env.cellCount++;
        const kind = cell[1];
        // The code as text until the page's script puts an editor here (and for readers without
        // JavaScript); the output, figures and buttons are added by the script.
        return (
          `<div class="cell ${kind}" id="cell-${index}" data-cell-index="${index}" data-kind="${kind}"` +
          `${kind === "live" ? ' data-state="idle"' : ""}>` +
          `<pre class="cell-source"><code>${escapeHtml(token.content)}</code></pre></div>\n`
        );
      }
      if (CELL_PARTS.has(info)) return "";
    }
    const lang = info.split(/\s+/)[0];
    if (lang === "scheme") {
      // Coloured in the browser by Monaco's tokenizer (the playground's Scheme mode).
      return `<pre class="code scheme" data-lang="scheme"><code>${escapeHtml(token.content)}</code></pre>\n`;
    }
    return fence(tokens, idx, options, renderEnv, self);
  };
  md.renderer.rules.table_open = () => '<div class="table-scroll"><table>\n';
  md.renderer.rules.table_close = () => "</table></div>\n";
  return md;
}

const renderer = makeRenderer();

/** Render a page's Markdown body. */
export function renderMarkdown(body: string, options: RenderOptions): Rendered {
  const env: RenderEnv = {
    options,
    headings: [],
    usedIds: new Map(),
    cellCount: 0,
    droppedLink: false,
  };
  const html = renderer.render(body, env as unknown as Record<string, unknown>);
  return { html, headings: env.headings, cellCount: env.cellCount };
}
