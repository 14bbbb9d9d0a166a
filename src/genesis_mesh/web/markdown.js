// Markdown shown as HTML, safely: the server renders it (markdown-it, raw HTML off) and
// sanitizes it (nh3, an allowlist); this module holds the app's one innerHTML, and only
// the server's sanitized answer goes through it, under a CSP without inline script.

import { renderMarkdown } from "./api.js";

/** Put the server-sanitized HTML of `markdown` into `el`; the raw text if that fails.
 * Resolves to true when rendered. */
export async function renderInto(el, markdown) {
  try {
    const { html } = await renderMarkdown(markdown);
    el.innerHTML = html; // sanitized by POST /api/v1/render/markdown (api/render.py)
    // Code blocks and tables scroll sideways inside themselves: reachable by keyboard.
    for (const box of el.querySelectorAll("pre, table")) box.setAttribute("tabindex", "0");
    return true;
  } catch {
    el.textContent = markdown;
    return false;
  }
}

/** Renders a growing text (streamed tokens) as markdown, at most one request at a time;
 * the latest text always gets rendered last. */
export class LiveMarkdown {
  constructor(el) {
    this.el = el;
    this.text = "";
    this.rendered = "";
    this.busy = false;
  }

  append(chunk) {
    this.text += chunk;
    this.pump();
  }

  async pump() {
    if (this.busy) return;
    this.busy = true;
    while (this.rendered !== this.text) {
      const text = this.text;
      await renderInto(this.el, text);
      this.rendered = text;
      this.el.dataset.rendered = String(text.length);
    }
    this.busy = false;
  }
}
