// The JavaScript @langchain/langgraph-sdk against a genesis-mesh host: a thread, a run
// streamed with messages-tuple and updates, its state, an interrupt and its resume.
// Usage: node langgraph_sdk_check.mjs <base url>; prints one JSON object of what it saw.
import { Client } from "@langchain/langgraph-sdk";

const apiUrl = process.argv[2];
const client = new Client({ apiUrl, apiKey: null });

async function collect(stream) {
  const parts = [];
  for await (const chunk of stream) parts.push({ event: chunk.event, data: chunk.data });
  return parts;
}

const thread = await client.threads.create({ metadata: { from: "js" } });
const chat = await collect(
  client.runs.stream(thread.thread_id, "chat", {
    input: { question: "links?" },
    streamMode: ["messages-tuple", "updates"],
  }),
);
const chatState = await client.threads.getState(thread.thread_id);

const asking = await client.threads.create();
const asked = await collect(
  client.runs.stream(asking.thread_id, "ask", { input: { topic: "links" }, streamMode: "updates" }),
);
const waiting = await client.threads.getState(asking.thread_id);
const resumed = await collect(
  client.runs.stream(asking.thread_id, "ask", {
    command: { resume: { accepted: ["a", "b"] } },
    streamMode: "updates",
  }),
);
const answered = await client.threads.getState(asking.thread_id);
const found = await client.threads.search({ metadata: { from: "js" }, limit: 100 });

console.log(
  JSON.stringify({
    thread,
    chat,
    chatState,
    asked,
    waiting,
    resumed,
    answered,
    found: found.map((t) => t.thread_id),
  }),
);
