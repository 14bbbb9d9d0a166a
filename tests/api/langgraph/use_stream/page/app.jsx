// A chat page on LangGraph's useStream, as Agent Chat UI builds one: the host and the
// assistant come from the query string (?api=&assistant=&thread=), the thread id goes back
// into it (Agent Chat UI keeps it there too), and a reload rejoins a run still going.
import { useState } from "react";
import { createRoot } from "react-dom/client";
import { useStream } from "@langchain/langgraph-sdk/react";

const query = new URLSearchParams(location.search);

function Chat() {
  const [threadId, setThreadId] = useState(query.get("thread"));
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [runId, setRunId] = useState("");
  const keepThread = (id) => {
    query.set("thread", id);
    history.replaceState(null, "", `?${query}`);
    setThreadId(id);
  };
  const stream = useStream({
    apiUrl: query.get("api"),
    assistantId: query.get("assistant"),
    messagesKey: "messages",
    threadId,
    onThreadId: keepThread,
    onCreated: (run) => setRunId(run.run_id),
    fetchStateHistory: true,
    reconnectOnMount: true,
    onError: (e) => setError(String(e?.message ?? e)),
  });
  window.__renders = (window.__renders ?? []).concat([
    stream.messages.map((m) => `${m.type}:${typeof m.content === "string" ? m.content : JSON.stringify(m.content)}`),
  ]);
  const send = (event) => {
    event.preventDefault();
    stream.submit({ messages: [{ type: "human", content: text }] });
    setText("");
  };
  return (
    <main>
      <p id="thread">{threadId ?? ""}</p>
      <p id="run">{runId}</p>
      <p id="loading">{stream.isLoading ? "loading" : "idle"}</p>
      <p id="error">{error}</p>
      <ol id="messages">
        {stream.messages.map((m, i) => (
          <li key={m.id ?? i} className={m.type}>{typeof m.content === "string" ? m.content : JSON.stringify(m.content)}</li>
        ))}
      </ol>
      {stream.interrupt ? (
        <section id="interrupt">
          <p id="question">{stream.interrupt.value?.question}</p>
          <button id="resume" onClick={() => stream.submit(undefined, { command: { resume: "yes" } })}>Yes</button>
        </section>
      ) : null}
      <form onSubmit={send}>
        <input id="text" aria-label="Message" value={text} onChange={(e) => setText(e.target.value)} />
        <button id="send" type="submit">Send</button>
      </form>
    </main>
  );
}

createRoot(document.getElementById("root")).render(<Chat />);
