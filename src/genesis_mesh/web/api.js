// REST helpers for /api/v1 (docs/protocol.md). Errors carry the API's {code, message, detail}.

import { authRequired, getToken } from "./auth.js";

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.code = body && body.code;
    this.detail = body && body.detail;
  }
}

/** `keepalive`: the request outlives the page (a pause clicked just before a reload). */
export async function api(path, { method = "GET", body, keepalive = false } = {}) {
  const init = { method, keepalive, credentials: "same-origin", headers: { accept: "application/json" } };
  const token = getToken();
  if (token) init.headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = { message: text.slice(0, 500) };
    }
  }
  if (response.status === 401) authRequired(data && data.message);
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const whoAmI = () => api("/api/v1/me");
export const listGraphs = () => api("/api/v1/graphs");
export const getGraph = (name) => api(`/api/v1/graphs/${encodeURIComponent(name)}`);
export const getRun = (id) => api(`/api/v1/runs/${encodeURIComponent(id)}`);
export const createRun = (graph, input) => api("/api/v1/runs", { method: "POST", body: { graph, input } });
export const renderMarkdown = (markdown) =>
  api("/api/v1/render/markdown", { method: "POST", body: { markdown } });

/** The caller's threads with their runs; `query`: {q, graph, status} (empty ones left out). */
export function listThreads(query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  const text = params.toString();
  return api(`/api/v1/threads${text ? `?${text}` : ""}`);
}
export const deleteThread = (id) => api(`/api/v1/threads/${encodeURIComponent(id)}`, { method: "DELETE" });
export const interruptRun = (id, mode) =>
  api(`/api/v1/runs/${encodeURIComponent(id)}/interrupt`, { method: "POST", body: { mode }, keepalive: true });
export const resumeRun = (id, value) =>
  api(`/api/v1/runs/${encodeURIComponent(id)}/resume`, { method: "POST", body: value === undefined ? {} : { value } });
