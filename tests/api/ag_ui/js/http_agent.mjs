// The JavaScript AG-UI client (@ag-ui/client's HttpAgent, which validates and verifies
// every event it receives) against a genesis-mesh host: `node http_agent.mjs BASE_URL
// SCENARIO`, printing what the agent ended with as one JSON line.
//   tool      the ReAct agent of the fidelity corpus: a tool call, its result, an answer
//   interrupt a graph that asks twice: answered with RunAgentInput.resume, run by run
//   rejoin    the ReAct agent, the client aborting mid-run, then rejoining by runId
import { HttpAgent } from "@ag-ui/client";

const [base, scenario] = process.argv.slice(2);

function agent(assistant, config = {}) {
  return new HttpAgent({ url: `${base}/ag-ui/${assistant}`, ...config });
}

function recorder() {
  const seen = { types: [], runIds: [] };
  return {
    seen,
    subscriber: {
      onEvent({ event }) {
        seen.types.push(event.type);
        if (event.type === "RUN_STARTED") seen.runIds.push(event.runId);
      },
    },
  };
}

const question = { id: "q-1", role: "user", content: "What is the weather in Paris?" };

async function tool() {
  const weather = agent("react_agent", { initialMessages: [question] });
  const { seen, subscriber } = recorder();
  const result = await weather.runAgent({}, subscriber);
  return { types: seen.types, messages: weather.messages, newMessages: result.newMessages };
}

async function interrupt() {
  const reviewer = agent("interrupt_node", { initialState: { draft: "Spring sale" } });
  const { seen, subscriber } = recorder();
  const asked = [];
  await reviewer.runAgent({}, subscriber);
  for (const answer of ["yes", "Ada"]) {
    const pending = reviewer.pendingInterrupts;
    asked.push(pending.map((i) => i.message));
    const resume = pending.map((i) => ({ interruptId: i.id, status: "resolved", payload: answer }));
    await reviewer.runAgent({ resume }, subscriber);
  }
  return {
    asked,
    pendingAfter: reviewer.pendingInterrupts,
    state: reviewer.state,
    runIds: seen.runIds,
    types: seen.types,
  };
}

async function rejoin() {
  const weather = agent("react_agent", { initialMessages: [question] });
  let count = 0;
  let runId;
  let aborted = false;
  let dropped;
  const gone = new Promise((resolve) => (dropped = resolve));
  const counting = {
    onEvent({ event }) {
      // HttpAgent makes a RUN_ERROR (code "abort") of its own when the request is
      // aborted: the server never sent it, so it is not counted, and it ends the stream.
      if (event.type === "RUN_ERROR" && event.code === "abort") return dropped();
      count += 1;
      if (event.type === "RUN_STARTED") runId = event.runId;
      if (event.type === "TOOL_CALL_ARGS" && !aborted) {
        aborted = true;
        weather.abortRun(); // the connection drops mid-run
      }
    },
  };
  // An aborted runAgent() now and then never settles (about 1 in 50 here, inside
  // @ag-ui/client), so the first half ends at the client's abort RUN_ERROR instead.
  const first = weather.runAgent({}, counting).then(dropped, (error) => {
    if (!aborted) throw error;
    dropped();
  });
  await Promise.race([first, gone]);
  const before = count;
  // The page is reloaded: a new agent with the messages the first one had rejoins.
  const again = agent("react_agent", { threadId: weather.threadId, initialMessages: weather.messages });
  const { seen, subscriber } = recorder();
  const forwardedProps = { genesis_mesh: { after_event: before } };
  await again.runAgent({ runId, forwardedProps }, subscriber);
  return { aborted, before, types: seen.types, messages: again.messages, runIds: seen.runIds, runId };
}

const scenarios = { tool, interrupt, rejoin };
try {
  const outcome = await scenarios[scenario]();
  process.stdout.write(JSON.stringify(outcome) + "\n", () => process.exit(0));
} catch (error) {
  process.stderr.write(`${error?.stack ?? error}\n`);
  process.exit(1);
}
