// The course's UI strings (not the chapters' text, which lives in docs/content/<lang>/): used by
// the page generator at build time (docs/site/) and by the pages and widgets in the browser.
// A key missing from a language falls back to English, then to the caller's fallback.

export const LANGUAGES = ["en", "zh"] as const;
export type Lang = (typeof LANGUAGES)[number];

/** Each language's name in itself, for the language switch. */
export const LANGUAGE_NAMES: Record<Lang, string> = { en: "English", zh: "中文" };

const en = {
  "course.title": "NanoLM: how a language model works",
  "course.tagline":
    "A course in small steps: every chapter runs the real engine in your browser, and every picture is drawn by the code you can edit.",
  "course.contents": "Contents",
  "course.total": "Total: about {hours} hours ({minutes} minutes) of reading and doing.",
  "course.minutes": "{minutes} min",
  "course.chapter": "Chapter {n}",
  "course.start": "Start with chapter 0",
  "course.teachers": "For teachers",
  "course.teachersSummary": "Running the course offline in a classroom; setting exercises.",
  "course.authoring": "Writing a chapter",
  "course.home": "Contents",
  "nav.playground": "Playground",
  "nav.playgroundTitle": "The NanoLM playground: editor, debugger, generation",
  "nav.theme": "Switch between dark and light",
  "nav.language": "Language",
  "nav.menu": "Chapters",
  "nav.prev": "Previous",
  "nav.next": "Next",
  "page.untranslated": "This page is not translated yet; it is shown in English.",
  "page.onThisPage": "On this page",
  "page.loading": "Starting the Scheme interpreter…",
  "page.ready": "The Scheme environment is ready.",
  "page.workerFailed": "The Scheme worker failed (reload the page):",
  "page.noscript": "The live cells need JavaScript; the code is shown as text.",
  "cell.run": "Run",
  "cell.runTitle": "Run this cell (Ctrl+Enter)",
  "cell.stop": "Stop",
  "cell.stopTitle": "Stop the running code (restarts the Scheme worker)",
  "cell.idle": "not run yet",
  "cell.queued": "waiting…",
  "cell.running": "running…",
  "cell.done": "done",
  "cell.error": "error",
  "cell.figures": "Figures",
  "cell.restarted":
    "Stopped. The Scheme worker was restarted with a fresh environment: the definitions of earlier cells are gone.",
  "cell.rerunAbove": "Run the cells above again",
  "exercise.label": "Exercise",
  "exercise.check": "Check",
  "exercise.reset": "Reset",
  "exercise.showSolution": "Show solution",
  "exercise.hideSolution": "Hide solution",
  "exercise.solution": "A solution",
  "exercise.checking": "checking…",
  "exercise.correct": "Correct!",
  "exercise.wrong": "Not yet:",
  "exercise.errored": "Your code raised an error:",
  "widget.unknown": "Unknown widget “{name}” (no docs/src/widgets/{name}.ts).",
  "widget.failed": "This widget failed:",
  "widget.loading": "Loading…",
  "figure.noData": "(no data)",
};

export type StringKey = keyof typeof en;

const zh: Partial<Record<StringKey, string>> = {
  "course.title": "NanoLM：语言模型是怎样工作的",
  "course.tagline":
    "一门小步前进的课程：每一章都在你的浏览器里运行真正的引擎，每一幅图都由你可以修改的代码画出。",
  "course.contents": "目录",
  "course.total": "合计：约 {hours} 小时（{minutes} 分钟）的阅读与练习。",
  "course.minutes": "{minutes} 分钟",
  "course.chapter": "第 {n} 章",
  "course.start": "从第 0 章开始",
  "course.teachers": "写给教师",
  "course.teachersSummary": "在教室里离线运行本课程；布置练习。",
  "course.authoring": "编写一章",
  "course.home": "目录",
  "nav.playground": "练习场",
  "nav.playgroundTitle": "NanoLM 练习场：编辑器、调试器、文本生成",
  "nav.theme": "切换深色 / 浅色",
  "nav.language": "语言",
  "nav.menu": "章节",
  "nav.prev": "上一章",
  "nav.next": "下一章",
  "page.untranslated": "本章尚未翻译成中文，下面显示的是英文原文。",
  "page.onThisPage": "本页内容",
  "page.loading": "正在启动 Scheme 解释器…",
  "page.ready": "Scheme 环境已就绪。",
  "page.workerFailed": "Scheme 工作线程出错了（请重新加载页面）：",
  "page.noscript": "交互单元需要 JavaScript；代码以纯文本显示。",
  "cell.run": "运行",
  "cell.runTitle": "运行这个单元（Ctrl+Enter）",
  "cell.stop": "停止",
  "cell.stopTitle": "停止正在运行的代码（会重启 Scheme 工作线程）",
  "cell.idle": "尚未运行",
  "cell.queued": "等待中…",
  "cell.running": "运行中…",
  "cell.done": "完成",
  "cell.error": "出错",
  "cell.figures": "图",
  "cell.restarted": "已停止。Scheme 工作线程已用全新的环境重启：前面各单元的定义都已丢失。",
  "cell.rerunAbove": "重新运行上面的单元",
  "exercise.label": "练习",
  "exercise.check": "检查",
  "exercise.reset": "重置",
  "exercise.showSolution": "显示答案",
  "exercise.hideSolution": "隐藏答案",
  "exercise.solution": "参考答案",
  "exercise.checking": "检查中…",
  "exercise.correct": "正确！",
  "exercise.wrong": "还不对：",
  "exercise.errored": "你的代码出错了：",
  "widget.unknown": "未知的小部件“{name}”（没有 docs/src/widgets/{name}.ts）。",
  "widget.failed": "这个小部件出错了：",
  "widget.loading": "加载中…",
  "figure.noData": "（没有数据）",
};

const STRINGS: Record<Lang, Partial<Record<string, string>>> = { en, zh };

/** Whether `lang` is one of the course's languages. */
export function isLang(lang: string): lang is Lang {
  return (LANGUAGES as readonly string[]).includes(lang);
}

/** The UI string `key` in `lang` with `{name}` placeholders filled in; English when the language
 *  lacks it, `fallback` (or the key) when English does too. */
export function translate(
  lang: string,
  key: string,
  vars: Record<string, string | number> = {},
  fallback?: string,
): string {
  const table: Partial<Record<string, string>> = isLang(lang) ? STRINGS[lang] : en;
  const text = table[key] ?? (en as Record<string, string>)[key] ?? fallback ?? key;
  return text.replace(/\{(\w+)\}/g, (whole: string, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}
