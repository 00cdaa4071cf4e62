/// <reference lib="dom" />
// The script of every course page (docs/site/pages.ts writes the HTML): theme switch (shared with
// the playground through localStorage), the sidebar on narrow screens, and — on pages with cells,
// widgets or Scheme code — the notebook, loaded only there so the home page stays light.
import "./style.css";
import type { PageData } from "../site/pages.ts";

const THEME_KEY = "nanolm-theme";

function initTheme(): void {
  const root = document.documentElement;
  document.getElementById("theme-toggle")?.addEventListener("click", () => {
    const next = root.dataset.theme === "dark" ? "light" : "dark";
    root.dataset.theme = next;
    try {
      localStorage.setItem(THEME_KEY, next);
    } catch {
      // storage refused (private window): the choice lasts for this page only
    }
    document.dispatchEvent(new CustomEvent("nanolm-theme", { detail: next }));
  });
}

function initSidebar(): void {
  const toggle = document.querySelector<HTMLButtonElement>(".menu-toggle");
  const sidebar = document.getElementById("sidebar");
  if (!toggle || !sidebar) return;
  const set = (open: boolean) => {
    document.body.classList.toggle("sidebar-open", open);
    toggle.setAttribute("aria-expanded", String(open));
  };
  toggle.addEventListener("click", () => set(!document.body.classList.contains("sidebar-open")));
  // A chosen link (or a tap beside the open sidebar) closes it on narrow screens.
  sidebar.addEventListener("click", (e) => {
    if ((e.target as HTMLElement).closest("a")) set(false);
  });
  document.querySelector(".content")?.addEventListener("click", () => set(false));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") set(false);
  });
  sidebar.querySelector(".current")?.scrollIntoView({ block: "nearest" });
}

function pageData(): PageData | null {
  const json = document.getElementById("page-data")?.textContent;
  return json ? (JSON.parse(json) as PageData) : null;
}

async function main(): Promise<void> {
  initTheme();
  initSidebar();
  const data = pageData();
  const article = document.querySelector<HTMLElement>("article.prose");
  if (!data || !article || data.kind === "home") return;
  const needsNotebook =
    data.cells.length > 0 ||
    article.querySelector("[data-widget], pre.code.scheme, .cell") !== null;
  if (!needsNotebook) return;
  const { startNotebook } = await import("./notebook.ts");
  await startNotebook(data, article);
}

void main();
