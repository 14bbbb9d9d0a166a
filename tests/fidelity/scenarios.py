"""The corpus scenarios, declared once and played by every transport.

`fails` marks what does not match bare LangGraph today, by transport, with the item of
issue 12 that covers it; the test turns such a case into a strict xfail, so the mark
has to go the moment the fix lands.
"""

from __future__ import annotations

from tests.fidelity.scenario import UNIQUE, Answer, Scenario, Turn

BOTH = ("rest", "ws")

ITEM_1 = "issue 12 item 1: pydantic models in state come back as [key, value] pairs"
ITEM_1_MESSAGES = "issue 12 item 1: messages come back as [key, value] pairs"
ITEM_2_CHAT = (
    "issue 12 items 1-2: chat input as role dicts or tuples is a 500 (TypeError from "
    "LangChain); messages come back as [key, value] pairs"
)
ITEM_3_STRING = "issue 12 items 1-3: a string for `messages` is refused (422 invalid_input)"
ITEM_3_TOTAL = "issue 12 item 3: a total TypedDict state refuses partial input (422)"
ITEM_3_NON_OBJECT = "issue 12 item 3: non-object input to an @entrypoint is refused (422)"
ITEM_4 = "issue 12 item 4: the second run's input {} is dumped with defaults, resetting state"
ITEM_6 = "issue 12 item 6: only one of two parallel interrupts is reported"
ITEM_10_ENV = "issue 12 item 10: the `env` key of langgraph.json is ignored"
ITEM_10_FACTORY = (
    "issue 12 item 10: factories taking `config` or `runtime`, and async factories, are "
    "refused at load (503 graph_unavailable)"
)


def failing(reason: str, transports: tuple[str, ...] = BOTH) -> dict[str, str]:
    return dict.fromkeys(transports, reason)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "messages_role_dict",
        "messages_chat",
        (Turn({"messages": [{"role": "user", "content": "hi"}]}),),
        fails=failing(ITEM_2_CHAT),
    ),
    Scenario(
        "messages_string",
        "messages_chat",
        (Turn({"messages": "hi"}),),
        fails=failing(ITEM_3_STRING),
    ),
    Scenario(
        "messages_tuple",
        "messages_chat",
        (Turn({"messages": [["user", "hi"]]}),),
        fails=failing(ITEM_2_CHAT),
    ),
    Scenario(
        "messages_two_turns",
        "messages_chat",
        (Turn({"messages": [{"role": "user", "content": "one"}]}), Turn({"messages": "two"})),
        fails=failing(ITEM_2_CHAT),
    ),
    Scenario(
        "messages_sent_back_as_server_dicts",
        "messages_chat",
        (
            Turn({"messages": [{"type": "human", "content": "hi", "id": "m-1"}]}),
            Turn({"messages": [{"type": "human", "content": "hi again", "id": "m-1"}]}),
        ),
        fails=failing(ITEM_1_MESSAGES),
    ),
    Scenario(
        "any_message_role_dicts",
        "any_message_state",
        (
            Turn(
                {
                    "messages": [
                        {"role": "system", "content": "be brief"},
                        {"role": "user", "content": "hi"},
                    ]
                }
            ),
        ),
        fails=failing(ITEM_2_CHAT),
    ),
    Scenario(
        "react_agent_calls_a_tool",
        "react_agent",
        (Turn({"messages": [{"role": "user", "content": "Weather in Paris?"}]}),),
        uses_model=True,
        fails=failing(ITEM_2_CHAT),
    ),
    Scenario("pydantic_state", "pydantic_state", (Turn({"topic": "bees"}),), fails=failing(ITEM_1)),
    Scenario("dataclass_state", "dataclass_state", (Turn({"customer": "Ada"}),)),
    Scenario(
        "total_typeddict_partial_input",
        "total_typeddict",
        (Turn({"city": "Lyon"}),),
        fails=failing(ITEM_3_TOTAL),
    ),
    Scenario("typing_typeddict", "typing_typeddict", (Turn({"word": "abc"}),)),
    Scenario(
        "functional_string_input",
        "functional_api",
        (Turn("quiet words"),),
        fails=failing(ITEM_3_NON_OBJECT),
    ),
    Scenario(
        "functional_list_input",
        "functional_api",
        (Turn([3, 1, 2]),),
        fails=failing(ITEM_3_NON_OBJECT),
    ),
    Scenario("functional_dict_input", "functional_api", (Turn({"b": 1, "a": 2}),)),
    Scenario(
        "send_map_reduce",
        "send_map_reduce",
        (Turn({"topic": "animals"}),),
        fails=failing(ITEM_3_TOTAL),
    ),
    Scenario("command_goto_small", "command_goto", (Turn({"amount": 42}),)),
    Scenario("command_goto_review", "command_goto", (Turn({"amount": 500}),)),
    Scenario(
        "config_recursion_limit_per_run",
        "command_goto",
        (Turn({"amount": 500}, config={"recursion_limit": 2}, fails_with="GraphRecursionError"),),
    ),
    Scenario("subgraph_shared_schema", "subgraph_shared", (Turn({"trail": []}),)),
    Scenario(
        "subgraph_different_schema",
        "subgraph_different",
        (Turn({"question": "life"}),),
    ),
    Scenario(
        "interrupt_in_node_twice",
        "interrupt_node",
        (Turn({"draft": "Post"}, answers=(Answer("yes"), Answer("Grace"))),),
    ),
    Scenario(
        "interrupt_left_waiting",
        "interrupt_node",
        (Turn({"draft": "Post"}),),
    ),
    Scenario(
        "interrupt_in_subgraph",
        "interrupt_subgraph",
        (Turn({"order": "tea"}, answers=(Answer("L"),)),),
    ),
    Scenario(
        "interrupt_two_in_parallel",
        "interrupt_parallel",
        (
            Turn(
                {"trip": "Rome"},
                answers=(
                    Answer(by_question={"Which hotel?": "Roma Inn", "Which flight?": "AZ 101"}),
                ),
            ),
        ),
        fails=failing(ITEM_6),
    ),
    Scenario(
        "context_per_run",
        "context_schema",
        (
            Turn({}, context={"user_name": "Ada", "shout": True}),
            Turn({}, context={"user_name": "Linus", "repeat": 2}),
        ),
    ),
    Scenario(
        "store_across_threads",
        "store_memory",
        (
            Turn({"remember": "likes tea"}, thread="a", context={"user_id": UNIQUE}),
            Turn({"remember": "lives in Oslo"}, thread="b", context={"user_id": UNIQUE}),
            Turn({}, thread="c", context={"user_id": UNIQUE}),
        ),
    ),
    Scenario(
        "multi_turn_keeps_state",
        "multi_turn",
        (Turn({"note": "first"}), Turn({})),
        fails=failing(ITEM_4),
    ),
    Scenario("io_schemas", "io_schemas", (Turn({"text": "the quick brown fox"}),)),
    Scenario(
        "env_from_langgraph_json", "env_graph", (Turn({"name": "Ada"}),), fails=failing(ITEM_10_ENV)
    ),
    Scenario("factory_plain", "factory_plain", (Turn({"name": "Ada"}),)),
    Scenario(
        "factory_config",
        "factory_config",
        (Turn({"name": "Ada"}, config={"configurable": {"flavour": "mint"}}),),
        fails=failing(ITEM_10_FACTORY),
    ),
    Scenario(
        "factory_runtime",
        "factory_runtime",
        (Turn({"name": "Ada"}, context={"flavour": "lime"}),),
        fails=failing(ITEM_10_FACTORY),
    ),
    Scenario(
        "factory_async_plain",
        "factory_async_plain",
        (Turn({"name": "Ada"}),),
        fails=failing(ITEM_10_FACTORY),
    ),
    Scenario(
        "factory_async_config",
        "factory_async_config",
        (Turn({"name": "Ada"}, config={"configurable": {"flavour": "mint"}}),),
        fails=failing(ITEM_10_FACTORY),
    ),
    Scenario(
        "factory_async_runtime",
        "factory_async_runtime",
        (Turn({"name": "Ada"}, context={"flavour": "lime"}),),
        fails=failing(ITEM_10_FACTORY),
    ),
)
