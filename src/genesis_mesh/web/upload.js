// Upload a site as an archive (POST /api/v1/uploads, the raw body), with progress, and
// the server's refusal shown as it says it (413 too large, 415 not an archive, 422
// `archive_refused` with the rule broken). XMLHttpRequest: fetch reports no upload progress.

import { authRequired, getToken } from "./auth.js";

export function contentTypeOf(file) {
  const name = file.name.toLowerCase();
  if (name.endsWith(".zip")) return "application/zip";
  if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) return "application/gzip";
  return file.type || "application/octet-stream";
}

/** Resolves to the upload ({upload_id, source, files, …}); rejects with an Error whose
 * message is the server's, `code` and `rule` set from its answer. */
export function uploadSite(file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/uploads?name=${encodeURIComponent(file.name.slice(0, 200))}`);
    xhr.setRequestHeader("content-type", contentTypeOf(file));
    xhr.setRequestHeader("accept", "application/json");
    const token = getToken();
    if (token) xhr.setRequestHeader("authorization", `Bearer ${token}`);
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = { message: xhr.responseText.slice(0, 300) };
      }
      if (xhr.status === 401) authRequired(body && body.message);
      if (xhr.status >= 200 && xhr.status < 300) {
        resolve(body);
        return;
      }
      const error = new Error((body && body.message) || `HTTP ${xhr.status}`);
      error.status = xhr.status;
      error.code = body && body.code;
      error.rule = body && body.detail && typeof body.detail === "object" ? body.detail.rule : undefined;
      reject(error);
    });
    xhr.addEventListener("error", () => reject(new Error("The upload did not reach the server (network error).")));
    xhr.send(file);
  });
}
