// The course's pages, generated from docs/content/<lang>/*.md at build time (docs/vite.config.ts
// serves and builds them): the home page with the table of contents, one page per chapter per
// language (an untranslated chapter shows the English text with a notice), the teacher's page and
// the authoring guide (docs/AUTHORING.md). Every page loads docs/src/page.ts.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { parseChapter, type Chapter } from "../lib/chapters.ts";
import { LANGUAGES, LANGUAGE_NAMES, translate, type Lang } from "../src/i18n.ts";
import { escapeHtml, renderMarkdown, type Heading } from "./markdown.ts";

/** What docs/src/page.ts reads from the page (the `#page-data` JSON). */
export interface PageData {
  kind: "home" | "chapter" | "page";
  lang: string;
  slug: string;
  /** The language the text is written in ("en" on an untranslated page). */
  contentLang: string;
  models: string[];
  cells: Chapter["cells"];
}

/** One generated HTML file: its path under the course's root ("en/00-tour.html"). */
export interface CoursePage {
  path: string;
  html: string;
}

/** A chapter or page of the course in one language, as the site shows it. */
interface PageSource {
  slug: string;
  /** The chapter as written in the page's language, or the English one when untranslated. */
  chapter: Chapter;
  translated: boolean;
}

const AUTHORING_SLUG = "authoring";
const TEACHERS_SLUG = "teachers";

/** The folders the course is made of (for the dev server's reloads and the staleness check). */
export function courseInputs(docsDir: string): string[] {
  return [join(docsDir, "content"), join(docsDir, "AUTHORING.md")];
}

/** A chapter file's parse, or every chapter file of a language folder, sorted by number. */
function readChapters(contentDir: string, lang: string): Map<string, Chapter> {
  const dir = join(contentDir, lang);
  const out = new Map<string, Chapter>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".md")) continue;
    // Named as the checker names it (docs/content/en/00-tour.md), so errors read the same.
    const file = join(dir, name);
    const chapter = parseChapter(
      readFileSync(file, "utf8"),
      relative(resolve(contentDir, "..", ".."), file).replace(/\\/g, "/"),
    );
    out.set(chapter.slug, chapter);
  }
  return out;
}

/** Everything the generator knows about the course. */
export interface Course {
  docsDir: string;
  /** Chapters (numbered pages) in order, by slug; English is the reference. */
  order: string[];
  /** The parsed files of each language. */
  byLang: Map<Lang, Map<string, Chapter>>;
  /** The authoring guide, parsed like a chapter (its fences are examples, never cells). */
  authoring: Chapter | null;
}

/** Read and parse every chapter of every language. */
export function loadCourse(docsDir: string): Course {
  const contentDir = join(docsDir, "content");
  const byLang = new Map<Lang, Map<string, Chapter>>();
  for (const lang of LANGUAGES) byLang.set(lang, readChapters(contentDir, lang));
  const english = byLang.get("en")!;
  const order = [...english.values()]
    .filter((c) => c.number !== null)
    .sort((a, b) => a.number! - b.number! || a.slug.localeCompare(b.slug))
    .map((c) => c.slug);
  const authoringFile = join(docsDir, "AUTHORING.md");
  let authoring: Chapter | null = null;
  if (existsSync(authoringFile)) {
    const text = readFileSync(authoringFile, "utf8");
    const title = /^#\s+(.+)$/m.exec(text)?.[1] ?? "Writing a chapter";
    authoring = {
      lang: "en",
      slug: AUTHORING_SLUG,
      number: null,
      file: "docs/AUTHORING.md",
      meta: { title, minutes: 0, models: [], summary: "" },
      body: text,
      bodyLineOffset: 0,
      cells: [],
    };
  }
  return { docsDir, order, byLang, authoring };
}

/** The slugs of the pages every language has, in sidebar order. */
function pageSlugs(course: Course): string[] {
  const english = course.byLang.get("en")!;
  const extra = [...english.keys()].filter((s) => !course.order.includes(s)).sort();
  return [...course.order, ...extra];
}

function source(course: Course, lang: Lang, slug: string): PageSource {
  if (slug === AUTHORING_SLUG && course.authoring)
    return { slug, chapter: course.authoring, translated: lang === "en" };
  const own = course.byLang.get(lang)!.get(slug);
  if (own) return { slug, chapter: own, translated: true };
  return { slug, chapter: course.byLang.get("en")!.get(slug)!, translated: false };
}

/** `to` (a path under the course root) as a URL relative to the page at `from`. */
function relativeUrl(from: string, to: string): string {
  const dir = posix.dirname(from);
  return dir === "." ? to : posix.relative(dir, to) || posix.basename(to);
}

function homePath(lang: Lang): string {
  return lang === "en" ? "index.html" : `${lang}/index.html`;
}

function pagePath(lang: Lang, slug: string): string {
  return `${lang}/${slug}.html`;
}

/** Embed JSON in a <script> element (no "</script>" can end it early). */
function jsonScript(id: string, data: unknown): string {
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  return `<script type="application/json" id="${id}">${json}</script>`;
}

/* Runs before the first paint so a light-theme reader never sees a dark flash; the same key as
 * the playground's, so the two remember one choice. */
const THEME_BOOT = `<script>(function(){try{var s=localStorage.getItem("nanolm-theme");document.documentElement.dataset.theme=s==="light"||s==="dark"?s:matchMedia("(prefers-color-scheme: light)").matches?"light":"dark"}catch(e){}})()</script>`;

interface Frame {
  lang: Lang;
  path: string;
  title: string;
  /** The same page in each language, as paths under the course root. */
  alternates: Record<Lang, string>;
  sidebar: string;
  main: string;
  data: PageData;
}

/** The frame every page shares: header, sidebar, content. */
function layout(f: Frame): string {
  const t = (key: string, vars?: Record<string, string | number>) => translate(f.lang, key, vars);
  const url = (to: string) => escapeHtml(relativeUrl(f.path, to));
  // The playground is served at the site's root, one level above the course.
  const playground = escapeHtml(relativeUrl(f.path, "../index.html").replace(/index\.html$/, ""));
  const languages = LANGUAGES.map((lang) => {
    const current = lang === f.lang ? ' aria-current="true" class="current"' : "";
    return `<a href="${url(f.alternates[lang])}" hreflang="${lang}" lang="${lang}"${current}>${LANGUAGE_NAMES[lang]}</a>`;
  }).join("");
  return `<!doctype html>
<html lang="${f.lang}" data-theme="dark">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(f.title)}</title>
    <link rel="icon" href="data:," />
    ${THEME_BOOT}
    <script type="module" src="/src/page.ts"></script>
  </head>
  <body data-page="${f.data.kind}" data-lang="${f.lang}">
    <header class="site-header">
      <button type="button" class="icon-button menu-toggle" aria-controls="sidebar" aria-expanded="false" title="${escapeHtml(t("nav.menu"))}">☰</button>
      <a class="brand" href="${url(homePath(f.lang))}"><span class="brand-mark">ν</span> NanoLM <span class="brand-sub">${escapeHtml(t("course.home"))}</span></a>
      <nav class="header-links">
        <a class="playground-link" href="${playground}" title="${escapeHtml(t("nav.playgroundTitle"))}">${escapeHtml(t("nav.playground"))}</a>
        <span class="lang-switch" role="group" aria-label="${escapeHtml(t("nav.language"))}">${languages}</span>
        <button type="button" class="icon-button" id="theme-toggle" title="${escapeHtml(t("nav.theme"))}" aria-label="${escapeHtml(t("nav.theme"))}">◐</button>
      </nav>
    </header>
    <div class="layout">
      <aside class="sidebar" id="sidebar">${f.sidebar}</aside>
      <main class="content">${f.main}</main>
    </div>
    ${jsonScript("page-data", f.data)}
  </body>
</html>
`;
}

/** The chapter list, the current page marked and its sections listed under it. */
function sidebar(
  course: Course,
  lang: Lang,
  path: string,
  current: string | null,
  headings: Heading[],
): string {
  const t = (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars);
  const item = (slug: string) => {
    const { chapter } = source(course, lang, slug);
    const isCurrent = slug === current;
    const num = chapter.number === null ? "" : `<span class="num">${chapter.number}</span>`;
    const sections =
      isCurrent && headings.some((h) => h.level === 2)
        ? `<ul class="sections">${headings
            .filter((h) => h.level === 2)
            .map((h) => `<li><a href="#${escapeHtml(h.id)}">${escapeHtml(h.text)}</a></li>`)
            .join("")}</ul>`
        : "";
    return `<li${isCurrent ? ' class="current"' : ""}><a href="${escapeHtml(relativeUrl(path, pagePath(lang, slug)))}"${isCurrent ? ' aria-current="page"' : ""}>${num}<span class="title">${escapeHtml(chapter.meta.title)}</span></a>${sections}</li>`;
  };
  const chapters = course.order.map(item).join("");
  const others = pageSlugs(course)
    .filter((s) => !course.order.includes(s))
    .map(item)
    .join("");
  const authoring = course.authoring ? item(AUTHORING_SLUG) : "";
  const home = `<a class="sidebar-home${current === null ? " current" : ""}" href="${escapeHtml(relativeUrl(path, homePath(lang)))}">${escapeHtml(t("course.contents"))}</a>`;
  return `<nav aria-label="${escapeHtml(t("nav.menu"))}">${home}<ol class="chapter-list">${chapters}</ol><ul class="page-list">${others}${authoring}</ul></nav>`;
}

/** Resolve a relative Markdown link of `src` (a file) for the page published at `path`. */
function linkResolver(course: Course, lang: Lang, path: string, src: string) {
  const contentDir = join(course.docsDir, "content");
  const slugs = new Set(pageSlugs(course));
  return (link: string): string | null => {
    if (link === "") return "";
    const target = resolve(dirname(src), link);
    if (target === resolve(course.docsDir, "AUTHORING.md") && course.authoring)
      return relativeUrl(path, pagePath(lang, AUTHORING_SLUG));
    const rel = relative(contentDir, target).split(/[\\/]/);
    if (rel.length !== 2 || !rel[1].endsWith(".md")) return null;
    const [folder, name] = [rel[0], rel[1].slice(0, -3)];
    if (!slugs.has(name) || !(LANGUAGES as readonly string[]).includes(folder)) return null;
    // A link within the source's own folder stays in the page's language (an untranslated page
    // shows English text whose links must lead on through the reader's language).
    const targetLang = dirname(target) === dirname(src) ? lang : (folder as Lang);
    return relativeUrl(path, pagePath(targetLang, name));
  };
}

function chapterPage(course: Course, lang: Lang, slug: string): CoursePage {
  const path = pagePath(lang, slug);
  const { chapter, translated } = source(course, lang, slug);
  const isAuthoring = slug === AUTHORING_SLUG;
  const rendered = renderMarkdown(chapter.body, {
    resolveLink: linkResolver(course, lang, path, resolve(course.docsDir, "..", chapter.file)),
    cells: !isAuthoring,
  });
  if (rendered.cellCount !== chapter.cells.length)
    throw new Error(
      `${chapter.file}: the page has ${rendered.cellCount} cells but the parser found ${chapter.cells.length}`,
    );
  const t = (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars);
  const all = pageSlugs(course);
  const at = all.indexOf(slug);
  const neighbour = (s: string | undefined, rel: "prev" | "next") => {
    if (s === undefined) return `<span></span>`;
    const target = source(course, lang, s).chapter;
    const label = t(rel === "prev" ? "nav.prev" : "nav.next");
    const num = target.number === null ? "" : `${target.number}. `;
    return `<a class="${rel}" rel="${rel}" href="${escapeHtml(relativeUrl(path, pagePath(lang, s)))}"><span class="label">${escapeHtml(label)}</span><span class="target">${escapeHtml(num + target.meta.title)}</span></a>`;
  };
  const prevNext = isAuthoring
    ? ""
    : `<nav class="prev-next">${
        at > 0
          ? neighbour(all[at - 1], "prev")
          : `<a class="prev" rel="prev" href="${escapeHtml(relativeUrl(path, homePath(lang)))}"><span class="label">${escapeHtml(t("nav.prev"))}</span><span class="target">${escapeHtml(t("course.contents"))}</span></a>`
      }${neighbour(all[at + 1], "next")}</nav>`;
  const notice = translated
    ? ""
    : `<p class="notice untranslated" lang="${lang}">${escapeHtml(t("page.untranslated"))}</p>`;
  const number =
    chapter.number === null
      ? ""
      : `<p class="chapter-number">${escapeHtml(t("course.chapter", { n: chapter.number }))}${
          chapter.meta.minutes
            ? ` · ${escapeHtml(t("course.minutes", { minutes: chapter.meta.minutes }))}`
            : ""
        }</p>`;
  // A page whose Markdown starts with its own "# Title" keeps it; others get the front matter's.
  const ownTitle = /^\s*#\s/.test(chapter.body);
  const heading = ownTitle ? "" : `<h1>${escapeHtml(chapter.meta.title)}</h1>`;
  const main = `${notice}<article class="prose" lang="${chapter.lang}">${number}${heading}${rendered.html}</article>${prevNext}`;
  const alternates = Object.fromEntries(LANGUAGES.map((l) => [l, pagePath(l, slug)])) as Record<
    Lang,
    string
  >;
  return {
    path,
    html: layout({
      lang,
      path,
      title: `${chapter.meta.title} · NanoLM`,
      alternates,
      sidebar: sidebar(course, lang, path, slug, rendered.headings),
      main,
      data: {
        kind: chapter.number === null ? "page" : "chapter",
        lang,
        slug,
        contentLang: chapter.lang,
        models: chapter.meta.models,
        cells: chapter.cells,
      },
    }),
  };
}

function homePage(course: Course, lang: Lang): CoursePage {
  const path = homePath(lang);
  const t = (key: string, vars?: Record<string, string | number>) => translate(lang, key, vars);
  let total = 0;
  const rows = course.order
    .map((slug) => {
      const { chapter, translated } = source(course, lang, slug);
      total += chapter.meta.minutes;
      return `<li class="toc-entry"><a href="${escapeHtml(relativeUrl(path, pagePath(lang, slug)))}"><span class="num">${chapter.number}</span><span class="toc-text"><span class="toc-title"${translated ? "" : ' lang="en"'}>${escapeHtml(chapter.meta.title)}</span><span class="toc-summary"${translated ? "" : ' lang="en"'}>${escapeHtml(chapter.meta.summary)}</span></span><span class="toc-minutes">${escapeHtml(t("course.minutes", { minutes: chapter.meta.minutes }))}</span></a></li>`;
    })
    .join("");
  const first = course.order[0];
  const start = first
    ? `<p><a class="button primary" href="${escapeHtml(relativeUrl(path, pagePath(lang, first)))}">${escapeHtml(t("course.start"))} →</a></p>`
    : "";
  const hours = (Math.round((total / 60) * 10) / 10).toString();
  const extra = pageSlugs(course)
    .filter((s) => !course.order.includes(s))
    .map((slug) => {
      const { chapter } = source(course, lang, slug);
      const summary =
        slug === TEACHERS_SLUG ? t("course.teachersSummary") : chapter.meta.summary || "";
      return `<li><a href="${escapeHtml(relativeUrl(path, pagePath(lang, slug)))}">${escapeHtml(chapter.meta.title)}</a>${summary ? ` — ${escapeHtml(summary)}` : ""}</li>`;
    })
    .join("");
  const authoring = course.authoring
    ? `<li><a href="${escapeHtml(relativeUrl(path, pagePath(lang, AUTHORING_SLUG)))}">${escapeHtml(t("course.authoring"))}</a></li>`
    : "";
  const main = `<article class="prose home">
  <h1 id="top">${escapeHtml(t("course.title"))}</h1>
  <p class="tagline">${escapeHtml(t("course.tagline"))}</p>
  ${start}
  <h2 id="contents">${escapeHtml(t("course.contents"))}</h2>
  <ol class="toc">${rows}</ol>
  <p class="total">${escapeHtml(t("course.total", { hours, minutes: total }))}</p>
  <ul class="more">${extra}${authoring}</ul>
</article>`;
  const alternates = Object.fromEntries(LANGUAGES.map((l) => [l, homePath(l)])) as Record<
    Lang,
    string
  >;
  return {
    path,
    html: layout({
      lang,
      path,
      title: t("course.title"),
      alternates,
      sidebar: sidebar(course, lang, path, null, []),
      main,
      data: { kind: "home", lang, slug: "", contentLang: lang, models: [], cells: [] },
    }),
  };
}

/** Every page of the course: path under the course root → HTML. */
export function coursePages(docsDir: string): CoursePage[] {
  const course = loadCourse(docsDir);
  const pages: CoursePage[] = [];
  const slugs = pageSlugs(course);
  if (course.authoring) slugs.push(AUTHORING_SLUG);
  for (const lang of LANGUAGES) {
    pages.push(homePage(course, lang));
    for (const slug of slugs) pages.push(chapterPage(course, lang, slug));
  }
  return pages;
}
