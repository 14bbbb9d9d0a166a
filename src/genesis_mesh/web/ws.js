// The /ws client: follows runs, reconnects with backoff and resubscribes with after_seq.
// With a sign-in key, its first message is {"type": "auth"} (never a token in the URL).

import { authRequired, getToken } from "./auth.js";

const MAX_DELAY_MS = 5_000;
const FIRST_DELAY_MS = 250;
const CLOSE_UNAUTHORIZED = 4401;

export class MeshSocket {
  /**
   * handlers: onEvent(envelope), onMessage(ack | error | pong), onStatus(state, info)
   * where state is "connecting" | "open" | "reconnecting" | "unauthorized".
   */
  constructor(handlers) {
    this.handlers = handlers;
    this.following = new Map(); // run_id -> last seq seen
    this.outbox = [];
    this.attempt = 0;
    this.socket = null;
    this.timer = null;
    this.connect();
  }

  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}/ws`;
  }

  connect() {
    this.timer = null;
    this.status(this.attempt ? "reconnecting" : "connecting", { attempt: this.attempt });
    let socket;
    try {
      socket = new WebSocket(this.url());
    } catch {
      this.retry();
      return;
    }
    this.socket = socket;
    socket.addEventListener("open", () => {
      this.attempt = 0;
      const token = getToken();
      if (token) this.raw({ type: "auth", token });
      this.status("open", {});
      for (const [runId, seq] of this.following) {
        this.raw({ type: "subscribe", run_id: runId, after_seq: seq });
      }
      const queued = this.outbox;
      this.outbox = [];
      queued.forEach((message) => this.raw(message));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.dispatch(message);
    });
    socket.addEventListener("close", (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (event.code === CLOSE_UNAUTHORIZED) {
        // Retrying with the same key cannot help: wait for a sign-in (restart()).
        this.status("unauthorized", { reason: event.reason });
        authRequired(event.reason);
        return;
      }
      this.retry();
    });
  }

  retry() {
    this.attempt += 1;
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** Math.min(this.attempt - 1, 6));
    const delay = Math.round(base * (0.8 + Math.random() * 0.4));
    this.status("reconnecting", { attempt: this.attempt, delay });
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Reconnect now (the user asked, or the tab came back online). */
  reconnectNow() {
    if (this.socket || !this.timer) return;
    clearTimeout(this.timer);
    this.connect();
  }

  /** Drop the connection and open a new one (after a sign-in or sign-out). */
  restart() {
    clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    const old = this.socket;
    this.socket = null;
    if (old) old.close();
    this.connect();
  }

  status(state, info) {
    if (this.handlers.onStatus) this.handlers.onStatus(state, info);
  }

  dispatch(message) {
    const isEvent = typeof message.seq === "number" && typeof message.run_id === "string";
    if (!isEvent) {
      if (this.handlers.onMessage) this.handlers.onMessage(message);
      return;
    }
    const last = this.following.get(message.run_id);
    if (last === undefined || message.seq <= last) return; // not followed, or seen already
    this.following.set(message.run_id, message.seq);
    this.handlers.onEvent(message);
  }

  raw(message) {
    this.socket.send(JSON.stringify(message));
  }

  /** Send now, or as soon as the socket is open again. */
  send(message) {
    if (this.isOpen) this.raw(message);
    else this.outbox.push(message);
  }

  /** Follow a run: every event with seq > afterSeq, then live ones, each once. */
  follow(runId, afterSeq = 0) {
    this.following.set(runId, afterSeq);
    if (this.isOpen) this.raw({ type: "subscribe", run_id: runId, after_seq: afterSeq });
  }

  unfollow(runId) {
    if (!this.following.delete(runId)) return;
    if (this.isOpen) this.raw({ type: "unsubscribe", run_id: runId });
  }
}
