// The genesis-mesh chat UI. Speaks only the public protocol (docs/protocol.md, docs/ui.md).

import { ApiError, createRun, deleteThread, getGraph, getRun, interruptRun, listGraphs, whoAmI } from "./api.js";
import { clearToken, getToken, onAuthRequired, setToken } from "./auth.js";
import { $, formatTime, h, show } from "./dom.js";
import { SchemaForm } from "./forms.js";
import { GraphDrawing } from "./graphdraw.js";
import { GraphView } from "./graphview.js";
import { isSourceName, parseRequest, sourceField } from "./intent.js";
import { Inspector } from "./inspector.js";
import { MessageLog } from "./messages.js";
import { renderResult } from "./result.js";
import { ThreadList, titleOf } from "./threads.js";
import { TimeTravel } from "./timetravel.js";
import { uploadSite } from "./upload.js";
import { MeshSocket } from "./ws.js";

const FINAL = new Set(["succeeded", "failed", "cancelled"]);

const state = {
  graphs: [],
  infos: new Map(),
  selected: null,
  form: null,
  run: null, // {id, graph, threadId, status, reason, input, superseded}
};

const view = {
  graph: new GraphView($("#graph")),
  drawing: new GraphDrawing($("#graph-drawing"), (id) => selectStep(id)),
  inspector: new Inspector($("#inspector")),
  timeTravel: new TimeTravel((run) => {
    threadsChanged();
    navigateToRun(run.run_id);
  }),
  messages: new MessageLog($("#message-list"), () => show($("#messages"), true)),
  threads: new ThreadList(
    { list: $("#threads"), search: $("#thread-search"), graph: $("#thread-graph"), status: $("#thread-status"), since: $("#thread-since") },
    (runId) => navigateToRun(runId),
  ),
};

/** The thread list again, soon (a run started, changed status or was deleted). */
function threadsChanged() {
  view.threads.refreshSoon();
}

// ---------- connection ----------

const socket = new MeshSocket({
  onEvent: applyEvent,
  onMessage: handleMessage,
  onStatus: (status, info) => {
    const box = $("#connection");
    document.body.dataset.connection = status;
    if (status === "open") {
      show(box, false);
      box.textContent = "";
    } else if (status === "reconnecting") {
      box.textContent = `Connection lost — reconnecting… (attempt ${info.attempt})`;
      show(box, true);
    } else if (status === "unauthorized") {
      show(box, false);
    }
  },
});
window.addEventListener("online", () => socket.reconnectNow());

function handleMessage(message) {
  if (message.type === "ack") {
    if (state.run && message.run_id === state.run.id && message.status) setStatus(message.status);
    return;
  }
  if (message.type === "error") {
    const forRun = state.run && (!message.run_id || message.run_id === state.run.id);
    if (forRun) showRunError(message.code, message.message);
  }
}

function showRunError(code, text) {
  const box = $("#run-error");
  box.replaceChildren(h("strong", {}, code || "error"), ": ", String(text || ""));
  show(box, true);
  const answer = $("#question form");
  if (answer) {
    answer.querySelector(".form-error").textContent = String(text || code || "");
    answer.querySelector("button[type=submit]").disabled = false;
  }
}

// ---------- capabilities and the input form ----------

async function loadGraphs() {
  const box = $("#capability-list");
  try {
    state.graphs = await listGraphs();
  } catch (error) {
    box.replaceChildren(h("p", { class: "error-box" }, `Could not load the capabilities: ${error.message}`));
    return;
  }
  box.replaceChildren();
  view.threads.setGraphs(state.graphs);
  for (const graph of state.graphs) {
    const id = `cap-${graph.name.replace(/[^A-Za-z0-9_-]/g, "_")}`;
    const radio = h("input", { type: "radio", name: "capability", id, value: graph.name, disabled: !graph.available, "aria-describedby": `${id}-desc` });
    radio.addEventListener("change", () => selectGraph(graph.name));
    box.append(h("div", { class: `capability${graph.available ? "" : " unavailable"}`, dataset: { graph: graph.name } },
      radio,
      h("label", { for: id }, h("strong", {}, graph.name),
        h("span", { id: `${id}-desc`, class: "capability-desc" },
          graph.available ? graph.description || "" : `Unavailable: ${graph.error || "failed to load"}`))));
  }
  if (!state.graphs.length) box.append(h("p", { class: "hint" }, "No capability is registered (langgraph.json)."));
}

async function graphInfo(name) {
  if (!state.infos.has(name)) state.infos.set(name, await getGraph(name));
  return state.infos.get(name);
}

async function selectGraph(name) {
  const radio = document.querySelector(`input[name="capability"][value="${CSS.escape(name)}"]`);
  if (radio && !radio.checked) radio.checked = true;
  const info = await graphInfo(name);
  state.selected = name;
  $("#form-title").textContent = name;
  $("#form-description").textContent = info.description || "";
  state.form = new SchemaForm($("#form-fields"), info.input_schema);
  $("#form-error").replaceChildren();
  show($("#input-form"), true);
  return state.form;
}

async function submitForm(event) {
  event.preventDefault();
  if (!state.selected || !state.form) return;
  const button = $("#start-button");
  const errorBox = $("#form-error");
  state.form.clearErrors();
  errorBox.replaceChildren();
  const input = state.form.values();
  button.disabled = true;
  try {
    const run = await createRun(state.selected, input);
    threadsChanged();
    navigateToRun(run.run_id);
  } catch (error) {
    if (error instanceof ApiError && (error.code === "invalid_input" || error.code === "invalid_request")) {
      const detail = (Array.isArray(error.detail) ? error.detail : []).map((e) => ({
        ...e,
        loc: (e.loc || []).filter((part, i) => !(i < 2 && (part === "body" || part === "input"))),
      }));
      const rest = state.form.showErrors(detail);
      errorBox.replaceChildren(h("p", {}, error.message));
      if (rest.length) errorBox.append(h("ul", {}, rest.map((r) => h("li", {}, r))));
    } else {
      errorBox.replaceChildren(h("p", {}, error instanceof ApiError ? `${error.code || error.status}: ${error.message}` : String(error)));
    }
  } finally {
    button.disabled = false;
  }
}

// ---------- chat box ----------

function say(who, text) {
  const log = $("#chat-log");
  log.append(h("p", { class: `bubble bubble-${who}` }, text));
  log.scrollTop = log.scrollHeight;
}

async function handleChat(event) {
  event.preventDefault();
  const input = $("#chat-input");
  const text = input.value.trim();
  if (!text) return;
  say("user", text);
  input.value = "";
  const available = state.graphs.filter((g) => g.available);
  const request = parseRequest(text);
  const named = available.find((g) => new RegExp(`\\b${g.name.replace(/[^A-Za-z0-9_]/g, "")}\\b`, "i").test(text));
  if (request.source) {
    const target = await graphForSource(named ? [named, ...available] : available);
    if (target) {
      // Always a fresh form: nothing of an earlier message or edit stays in it.
      const form = await selectGraph(target.graph);
      form.set(target.field, request.source);
      const filled = [`${target.field} = ${request.source}`];
      for (const key of ["subdir", "ref"]) {
        if (request[key] && form.has(key)) {
          form.set(key, request[key]);
          filled.push(`${key} = ${request[key]}`);
        }
      }
      say("app", `I filled the ${target.graph} form with ${filled.join(", ")}. Check the options and press “Start run”.`);
      $("#start-button").focus();
      return;
    }
  }
  const chosen = named ? named.name : state.selected;
  if (chosen) {
    const form = await selectGraph(chosen); // fresh: no stale value from before
    const strings = form.fields.filter((f) => f.kind === "string" && !isSourceName(f.name));
    if (!named && strings.length === 1 && !sourceField(form.schema)) {
      form.set(strings[0].name, text);
      say("app", `I put your message into ${strings[0].title} of ${chosen}. Press “Start run” when ready.`);
    } else if (sourceField(form.schema) && !request.source) {
      say("app", `Here is the ${chosen} form. Give a repository URL or a path (“audit ./site”) to fill it.`);
    } else say("app", `Here is the ${chosen} form.`);
    $("#start-button").focus();
    return;
  }
  say("app", available.length
    ? `Pick a capability below (${available.map((g) => g.name).join(", ")}), or paste a repository URL or a path.`
    : "No capability is available on this host.");
}

/** The graph (topical_mesh first, or the one named) and field that take a site's source. */
async function graphForSource(candidates) {
  const seen = new Set();
  const ordered = [...candidates.slice(0, 1), ...candidates.slice().sort((a, b) => Number(b.name === "topical_mesh") - Number(a.name === "topical_mesh"))];
  for (const graph of ordered) {
    if (seen.has(graph.name)) continue;
    seen.add(graph.name);
    let info;
    try {
      info = await graphInfo(graph.name);
    } catch {
      continue;
    }
    const field = sourceField(info.input_schema);
    if (field) return { graph: graph.name, field };
  }
  return null;
}

// ---------- upload a site ----------

async function handleUpload(event) {
  event.preventDefault();
  const file = $("#upload-file").files[0];
  const bar = $("#upload-progress");
  const status = $("#upload-status");
  const error = $("#upload-error");
  error.textContent = "";
  if (!file) {
    error.textContent = "Choose a .zip or .tar.gz of your site first.";
    return;
  }
  $("#upload-button").disabled = true;
  bar.value = 0;
  bar.hidden = false;
  status.textContent = `Uploading ${file.name}…`;
  try {
    const upload = await uploadSite(file, (loaded, total) => {
      bar.max = total;
      bar.value = loaded;
      bar.setAttribute("aria-valuetext", `${Math.round((100 * loaded) / total)} %`);
    });
    status.textContent = `Uploaded ${file.name}: ${upload.files} files, kept until ${formatTime(upload.expires_at)}.`;
    document.body.dataset.upload = upload.source;
    const target = await graphForSource(state.graphs.filter((g) => g.available));
    if (target) {
      const form = await selectGraph(target.graph);
      form.set(target.field, upload.source);
      say("app", `I filled the ${target.graph} form with ${target.field} = ${upload.source} (${file.name}). Press “Start run”.`);
      $("#start-button").focus();
    }
  } catch (failure) {
    status.textContent = "";
    const why = failure.rule ? ` (${failure.rule})` : "";
    error.textContent = `The server refused ${file.name}${why}: ${failure.message}`;
    error.dataset.code = failure.code || String(failure.status || "");
  } finally {
    bar.hidden = true;
    $("#upload-button").disabled = false;
  }
}

// ---------- a run ----------

function badgeText(run, status) {
  if (run.stopping && (status === "running" || status === "pending")) {
    if (run.stopping === "cancel") return "cancelling…";
    if (run.stopping === "shutdown") return "pausing (server shutting down)";
    // the nodes running when Pause was pressed; after a reload, those running now
    const after = run.stoppingAfter || view.graph.runningNames().join(", ");
    return after ? `pausing after ${after}` : "pausing…";
  }
  if (status === "interrupted" && run.reason === "pause") return "paused";
  return status === "interrupted" && run.reason ? `interrupted (${run.reason})` : status;
}

function setStatus(status, reason) {
  const run = state.run;
  if (!run) return;
  run.status = status;
  if (reason !== undefined) run.reason = reason;
  if (!(status === "running" || status === "pending")) run.stopping = null;
  const badge = $("#run-status");
  badge.textContent = badgeText(run, status);
  badge.className = `badge status-${run.stopping ? "stopping" : status}`;
  document.body.dataset.runStatus = status;
  if (run.stopping) document.body.dataset.stopping = run.stopping;
  else {
    delete document.body.dataset.stopping;
    delete document.body.dataset.stopRequested;
  }
  const final = FINAL.has(status);
  $("#pause-button").disabled = Boolean(run.stopping) || !(status === "running" || status === "pending");
  // A failed run is retried from its last checkpoint (POST …/resume); a question is
  // answered from its form instead.
  $("#resume-button").disabled = !((status === "interrupted" && run.reason !== "question") || (status === "failed" && !run.superseded));
  $("#resume-button").textContent = status === "failed" ? "Retry" : "Resume";
  $("#cancel-button").disabled = final || run.stopping === "cancel";
  $("#rerun-button").disabled = !run.graph;
  $("#edit-button").disabled = !run.graph;
  $("#delete-thread-button").disabled = !final;
  if (run.shownStatus !== undefined && run.shownStatus !== status) {
    threadsChanged();
    if (final || status === "interrupted") view.timeTravel.setThread(run.threadId);
  }
  run.shownStatus = status;
  document.title = `${badge.textContent} · ${$("#run-title").textContent} — genesis-mesh`;
}

/** Pause or cancel, acknowledged at once: "pausing after <node>" with the button
 * disabled until the run reaches its boundary. The server's `stop_requested` confirms
 * it (and shows it again after a reload). */
function requestStop(mode) {
  const run = state.run;
  if (!run || run.stopping === mode || run.stopping === "cancel") return;
  run.stopping = mode;
  run.stoppingAfter = view.graph.runningNames().join(", ");
  setStatus(run.status);
  interruptRun(run.id, mode).catch((error) => {
    if (state.run === run) showRunError(error.code, error.message);
  });
  confirmStop(run, mode);
}

async function confirmStop(run, mode, tries = 20) {
  for (let i = 0; i < tries && state.run === run && run.stopping === mode; i += 1) {
    let info;
    try {
      info = await getRun(run.id);
    } catch {
      return;
    }
    if (state.run !== run) return;
    if (info.stop_requested) {
      document.body.dataset.stopRequested = info.stop_requested;
      return;
    }
    if (info.status !== "running" && info.status !== "pending") return; // stopped already
    await new Promise((resolve) => { setTimeout(resolve, 250); });
  }
}

function showNotice(text) {
  const box = $("#run-notice");
  box.textContent = text || "";
  show(box, Boolean(text));
}

function navigateToRun(runId) {
  const hash = `#/runs/${encodeURIComponent(runId)}`;
  if (location.hash !== hash) location.hash = hash;
  else openRun(runId);
}

async function openRun(runId) {
  if (state.run && state.run.id !== runId) socket.unfollow(state.run.id);
  if (state.run && state.run.id === runId) return;
  show($("#start-view"), false);
  show($("#run-view"), true);
  view.threads.setCurrent(runId);
  state.run = { id: runId, status: "pending", reason: null };
  // Nothing of the previous run stays on screen while this one loads.
  $("#run-status").textContent = "loading…";
  $("#run-status").className = "badge";
  for (const button of document.querySelectorAll("#run-view .controls button")) button.disabled = true;
  view.messages.clear();
  $("#run-title").textContent = "Loading run…";
  $("#run-meta").textContent = "";
  show($("#messages"), false);
  $("#question").replaceChildren();
  show($("#question"), false);
  $("#result").replaceChildren();
  show($("#result"), false);
  show($("#run-error"), false);
  showNotice("");
  view.graph.setGraph(null);
  view.drawing.setGraph(null);
  view.inspector.reset();
  let run;
  try {
    run = await getRun(runId);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      state.run = null; // opened again after the sign-in
      return;
    }
    $("#run-title").textContent = "Run not found";
    const box = $("#run-error");
    box.textContent = `${error.message} (it may belong to another user or have been deleted).`;
    show(box, true);
    return;
  }
  if (!state.run || state.run.id !== runId) return;
  Object.assign(state.run, { graph: run.graph, threadId: run.thread_id, input: run.input, superseded: Boolean(run.superseded_by) });
  view.timeTravel.setThread(run.thread_id);
  view.inspector.setRun(run.run_id, run.thread_id);
  view.messages.input(run.input);
  $("#run-title").textContent = titleOf(run.graph, run.input);
  $("#run-meta").replaceChildren(`Run ${run.run_id} · thread ${run.thread_id} · started ${formatTime(run.created_at)}`);
  let info = null;
  try {
    info = await graphInfo(run.graph);
  } catch {
    info = null; // drawn as an empty graph; the events still show
  }
  view.graph.setGraph(info);
  view.drawing.setGraph(info);
  if (run.stop_requested && (run.status === "running" || run.status === "pending")) {
    state.run.stopping = run.stop_requested;
    state.run.stoppingAfter = "";
    document.body.dataset.stopRequested = run.stop_requested;
  }
  setStatus(run.status === "pending" ? "pending" : run.status, run.interrupt && run.interrupt.reason);
  socket.follow(runId, 0);
  $("#run-title").focus();
}

function applyEvent(event) {
  if (!state.run || event.run_id !== state.run.id) return;
  view.graph.apply(event);
  view.drawing.apply(event);
  view.inspector.apply(event);
  const data = event.data || {};
  switch (event.type) {
    case "run.started":
      setStatus("running");
      break;
    case "node.started":
      if (state.run.status !== "running" || state.run.stopping) setStatus("running", null);
      break;
    case "message.delta":
      view.messages.delta(event.node, data);
      break;
    case "message.tool":
      view.messages.tool(event.node, data);
      break;
    case "run.stopping":
      // The server announces its shutdown before it closes the socket; the run pauses at
      // its next node and goes on by itself when the server is back.
      if (state.run.stopping !== "cancel") state.run.stopping = data.reason || "shutdown";
      setStatus(state.run.status === "pending" ? "pending" : "running");
      break;
    case "run.interrupted":
      setStatus("interrupted", data.reason || null);
      if (data.reason === "question") renderQuestions(data);
      else if (data.reason === "pause") showNotice("Paused at a node boundary. Resume to continue from the last checkpoint.");
      else if (data.reason === "shutdown") showNotice("The server stopped; this run continues by itself when it is back.");
      break;
    case "run.resumed":
      if (state.run.stopping === "shutdown") state.run.stopping = null; // that server is gone
      setStatus("running", null);
      showNotice("");
      $("#question").replaceChildren();
      show($("#question"), false);
      break;
    case "run.completed":
      setStatus("succeeded");
      showNotice("");
      show($("#result"), true);
      renderResult($("#result"), data.output, { graph: state.run.graph, runId: state.run.id });
      break;
    case "run.failed": {
      setStatus("failed");
      const err = data.error || {};
      const box = $("#run-error");
      box.replaceChildren(h("strong", {}, "The run failed"), ": ", [err.type, err.message].filter(Boolean).join(": "));
      show(box, true);
      break;
    }
    case "run.cancelled":
      setStatus("cancelled");
      showNotice(`Cancelled${data.reason ? ` (${data.reason})` : ""}.`);
      break;
    default:
      break;
  }
}

/** One form per pending interrupt; with several, each answer goes by its interrupt id
 * (the run asks the others again). */
function renderQuestions(data) {
  const pending = Array.isArray(data.interrupts) && data.interrupts.length
    ? data.interrupts
    : [{ id: data.interrupt_id, value: data.question }];
  $("#question").replaceChildren();
  pending.forEach((item, i) => {
    const byId = pending.length > 1 && item.id;
    renderQuestion(item.value, i, (value) => (byId ? { [item.id]: value } : value));
  });
}

function renderQuestion(question, index = 0, answerOf = (value) => value) {
  const box = $("#question");
  show(box, true);
  const suffix = index ? `-${index}` : "";
  const conventional = question && typeof question === "object" && !Array.isArray(question);
  const prompt = conventional && typeof question.question === "string" ? question.question : "The run asks:";
  const choices = conventional && Array.isArray(question.choices) ? question.choices.filter((c) => c && typeof c === "object") : [];
  const key = conventional && typeof question.answer_key === "string" && question.answer_key ? question.answer_key : "accepted";
  const form = h("form", { id: `question-form${suffix}`, class: "question-form", novalidate: true });
  form.append(h("h2", { id: `question-title${suffix}` }, prompt));
  if (!conventional || typeof question.question !== "string") {
    form.append(h("pre", { class: "question-raw" }, JSON.stringify(question, null, 2)));
  }
  if (choices.length) {
    const group = h("fieldset", { class: "choices" }, h("legend", { class: "visually-hidden" }, "Choices"));
    choices.forEach((choice, i) => {
      const id = `choice${suffix}-${i}`;
      group.append(h("div", { class: "choice" },
        h("input", { type: "checkbox", id, value: String(choice.id ?? i), checked: Boolean(choice.checked), dataset: { choice: String(choice.id ?? i) } }),
        h("label", { for: id }, String(choice.label ?? choice.id ?? `choice ${i + 1}`),
          choice.detail ? h("span", { class: "choice-detail" }, String(choice.detail)) : null)));
    });
    const all = h("button", { type: "button", class: "quiet", onclick: () => group.querySelectorAll("input").forEach((b) => { b.checked = true; }) }, "Select all");
    const none = h("button", { type: "button", class: "quiet", onclick: () => group.querySelectorAll("input").forEach((b) => { b.checked = false; }) }, "Select none");
    form.append(group, h("div", { class: "row" }, all, none));
  } else {
    form.append(h("label", { for: `answer-text${suffix}` }, "Your answer"), h("textarea", { id: `answer-text${suffix}`, rows: 3 }));
  }
  // Optional free text beside the choices: {"edits": {"key", "label", "placeholder"}}.
  const edits = conventional && question.edits && typeof question.edits === "object" && choices.length ? question.edits : null;
  const editsKey = edits && typeof edits.key === "string" && edits.key ? edits.key : "edits";
  if (edits) {
    form.append(
      h("label", { for: `answer-edits${suffix}` }, String(edits.label || "Edits (optional)")),
      h("textarea", { id: `answer-edits${suffix}`, rows: 3, placeholder: String(edits.placeholder || "") }));
  }
  form.append(h("p", { class: "form-error", role: "alert" }), h("button", { type: "submit", class: "primary" }, "Answer and resume"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const value = choices.length
      ? { [key]: [...form.querySelectorAll(".choices input:checked")].map((b) => b.value) }
      : { answer: form.querySelector(`#answer-text${suffix}`).value };
    const editsText = edits ? form.querySelector(`#answer-edits${suffix}`).value.trim() : "";
    if (editsText) value[editsKey] = editsText;
    socket.send({ type: "resume", run_id: state.run.id, value: answerOf(value) });
    form.querySelector("button[type=submit]").disabled = true;
  });
  box.append(form);
  const first = form.querySelector("input, textarea");
  if (first && !index) first.focus();
}

/** A step chosen in the drawing: the inspector opens on it. */
function selectStep(id) {
  view.inspector.open(id);
}

// ---------- rerun, edit, delete ----------

/** The same input again, as a new run on a new thread. */
async function rerun() {
  const run = state.run;
  if (!run || !run.graph) return;
  $("#rerun-button").disabled = true;
  try {
    const fresh = await createRun(run.graph, run.input);
    threadsChanged();
    navigateToRun(fresh.run_id);
  } catch (error) {
    const box = $("#run-error");
    box.replaceChildren(h("strong", {}, "Could not rerun"), ": ", error.message);
    show(box, true);
    $("#rerun-button").disabled = false;
  }
}

/** The start form of the run's graph, filled with its input, to edit and start again. */
async function editInput() {
  const run = state.run;
  if (!run || !run.graph) return;
  const input = run.input;
  location.hash = "";
  showStart();
  const form = await selectGraph(run.graph);
  if (input && typeof input === "object" && !Array.isArray(input)) {
    for (const [key, value] of Object.entries(input)) {
      const field = form.fields.find((f) => f.name === key);
      if (!field) continue;
      if (field.kind === "json") form.set(key, JSON.stringify(value));
      else if (field.kind === "enum") form.set(key, String(Math.max(0, field.options.findIndex((o) => o === value))));
      else if (field.kind !== "multi") form.set(key, value);
    }
  }
  say("app", `Edit the input of the ${run.graph} run and press “Start run”.`);
  $("#start-button").focus();
}

/** Delete the run's thread (its runs and checkpoints); asks a second press to confirm. */
async function removeThread() {
  const run = state.run;
  const button = $("#delete-thread-button");
  if (!run || !run.threadId) return;
  if (button.dataset.confirm !== "true") {
    button.dataset.confirm = "true";
    button.textContent = "Press again to delete the thread";
    return;
  }
  button.disabled = true;
  try {
    await deleteThread(run.threadId);
  } catch (error) {
    const box = $("#run-error");
    box.replaceChildren(h("strong", {}, "Could not delete the thread"), ": ", error.message);
    show(box, true);
    button.disabled = false;
    return;
  } finally {
    delete button.dataset.confirm;
    button.textContent = "Delete thread";
  }
  await view.threads.refresh();
  location.hash = "";
}

// ---------- sign-in (docs/security.md) ----------

function showSignIn(reason) {
  if (document.body.dataset.auth === "required") return;
  document.body.dataset.auth = "required";
  show($("#account"), false);
  $("#signin-reason").textContent = getToken()
    ? "Your key or token was not accepted (revoked or expired); sign in again."
    : "This host requires an API key or a token.";
  if (reason && getToken()) $("#signin-error").textContent = String(reason);
  clearToken();
  show($("#signin-view"), true);
  $("#signin-key").focus();
}

function showAccount(me) {
  const signedIn = me.method !== "none";
  $("#account-user").textContent = signedIn ? `Signed in as ${me.user_id}${me.admin ? " (admin)" : ""}` : "";
  show($("#account"), signedIn);
}

async function signIn(event) {
  event.preventDefault();
  const field = $("#signin-key");
  const key = field.value.trim();
  const error = $("#signin-error");
  if (!key) {
    error.textContent = "Enter your API key or token.";
    return;
  }
  $("#signin-button").disabled = true;
  error.textContent = "";
  setToken(key);
  try {
    showAccount(await whoAmI());
  } catch (failure) {
    clearToken();
    error.textContent = failure instanceof ApiError && failure.status === 401
      ? `That key was not accepted: ${failure.message}`
      : `Could not sign in: ${failure.message}`;
    field.select();
    return;
  } finally {
    $("#signin-button").disabled = false;
  }
  field.value = "";
  delete document.body.dataset.auth;
  show($("#signin-view"), false);
  state.run = null;
  socket.restart();
  loadGraphs();
  route();
  view.threads.refresh();
}

function signOut() {
  clearToken();
  location.reload();
}

onAuthRequired(showSignIn);
$("#signin-form").addEventListener("submit", signIn);
$("#sign-out").addEventListener("click", signOut);

// ---------- routing and wiring ----------

function showStart() {
  if (state.run) socket.unfollow(state.run.id);
  state.run = null;
  delete document.body.dataset.runStatus;
  delete document.body.dataset.stopping;
  delete document.body.dataset.stopRequested;
  show($("#run-view"), false);
  show($("#start-view"), true);
  document.title = "genesis-mesh";
  view.threads.setCurrent(null);
}

function route() {
  const match = location.hash.match(/^#\/runs\/([^/?#]+)$/);
  if (match) openRun(decodeURIComponent(match[1]));
  else showStart();
}

$("#input-form").addEventListener("submit", submitForm);
$("#chat-form").addEventListener("submit", handleChat);
$("#upload-form").addEventListener("submit", handleUpload);
$("#new-run").addEventListener("click", () => {
  if (location.hash) location.hash = "";
  else showStart();
  $("#chat-input").focus();
});
$("#rerun-button").addEventListener("click", () => rerun());
$("#edit-button").addEventListener("click", () => editInput());
$("#delete-thread-button").addEventListener("click", () => removeThread());
$("#pause-button").addEventListener("click", () => requestStop("pause"));
$("#cancel-button").addEventListener("click", () => requestStop("cancel"));
$("#resume-button").addEventListener("click", () => state.run && socket.send({ type: "resume", run_id: state.run.id }));
window.addEventListener("hashchange", route);
setInterval(() => view.graph.tick(), 1000);

if (window.matchMedia("(max-width: 760px)").matches) $("#history-box").open = false;
loadGraphs();
route();
view.threads.refresh();
whoAmI().then(showAccount, () => {});
document.body.dataset.ready = "true";
