// What a chat message asks for: a site to read (a URL or a local path), and options
// said in words ("in docs", "branch main"). Pure functions: tested through the chat box.

const URL_RE = /(?:^|[\s(<"'])((?:https?:\/\/|git@|file:\/\/|upload:)[^\s<>"')]+)/i;
// A path: ./x, ../x, ~/x or /x (not a "/" inside a word such as "and/or").
const PATH_RE = /(?:^|[\s(<"'])((?:\.{1,2}\/|~\/|\/)[^\s<>"')]*|\.{1,2})(?=$|[\s)>"',;])/;
const SUBDIR_RE = /\b(?:in|under|subdir|folder|directory)\s+(?:the\s+)?[`"']?([\w][\w./-]*)[`"']?\s*(?:folder|directory|dir)?\b/i;
const REF_RE = /\b(?:branch|tag|ref)\s+[`"']?([\w][\w./-]*)/i;

function trimEnd(text) {
  return text.replace(/[.,;:!?]+$/, "");
}

/**
 * {source, kind: "url" | "path" | null, subdir, ref} of a free-text request.
 * "analyze https://github.com/acme/docs in docs" → source URL, subdir "docs".
 */
export function parseRequest(text) {
  const url = text.match(URL_RE);
  const path = url ? null : text.match(PATH_RE);
  const source = url ? trimEnd(url[1]) : path ? trimEnd(path[1]) || path[1] : null;
  const rest = source ? text.replace(source, " ") : text;
  const subdir = rest.match(SUBDIR_RE);
  const ref = rest.match(REF_RE);
  return {
    source,
    kind: url ? "url" : path ? "path" : null,
    subdir: subdir ? trimEnd(subdir[1]) : null,
    ref: ref ? trimEnd(ref[1]) : null,
  };
}

/** True for a field name that takes a site's source. */
export function isSourceName(name) {
  return name === "repo_url" || /(^|_)(url|uri|repo|source|path)$/i.test(name);
}

/** The input field of a schema that takes a site's source (`repo_url`, `*_url`, `*path`). */
export function sourceField(schema) {
  const props = Object.keys((schema && schema.properties) || {});
  return props.find((p) => p === "repo_url") || props.find(isSourceName) || null;
}
