"""The corpus scenarios, declared once and played by every transport: each must give
the same outcome bare, over REST and over the WebSocket."""

from __future__ import annotations

from tests.fidelity.scenario import UNIQUE, Answer, Scenario, Turn

SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "messages_role_dict",
        "messages_chat",
        (Turn({"messages": [{"role": "user", "content": "hi"}]}),),
    ),
    Scenario(
        "messages_string",
        "messages_chat",
        (Turn({"messages": "hi"}),),
    ),
    Scenario(
        "messages_tuple",
        "messages_chat",
        (Turn({"messages": [["user", "hi"]]}),),
    ),
    Scenario(
        "messages_two_turns",
        "messages_chat",
        (Turn({"messages": [{"role": "user", "content": "one"}]}), Turn({"messages": "two"})),
    ),
    Scenario(
        "messages_sent_back_as_server_dicts",
        "messages_chat",
        (
            Turn({"messages": [{"type": "human", "content": "hi", "id": "m-1"}]}),
            Turn({"messages": [{"type": "human", "content": "hi again", "id": "m-1"}]}),
        ),
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
    ),
    Scenario(
        "react_agent_calls_a_tool",
        "react_agent",
        (Turn({"messages": [{"role": "user", "content": "Weather in Paris?"}]}),),
        uses_model=True,
    ),
    Scenario(
        "custom_and_tokens_in_a_subgraph",
        "streaming_subgraph",
        (Turn({"messages": [{"role": "user", "content": "Tell me"}]}),),
        uses_model=True,
    ),
    Scenario("pydantic_state", "pydantic_state", (Turn({"topic": "bees"}),)),
    Scenario("dataclass_state", "dataclass_state", (Turn({"customer": "Ada"}),)),
    Scenario(
        "total_typeddict_partial_input",
        "total_typeddict",
        (Turn({"city": "Lyon"}),),
    ),
    Scenario("typing_typeddict", "typing_typeddict", (Turn({"word": "abc"}),)),
    Scenario(
        "functional_string_input",
        "functional_api",
        (Turn("quiet words"),),
    ),
    Scenario(
        "functional_list_input",
        "functional_api",
        (Turn([3, 1, 2]),),
    ),
    Scenario("functional_dict_input", "functional_api", (Turn({"b": 1, "a": 2}),)),
    Scenario(
        "send_map_reduce",
        "send_map_reduce",
        (Turn({"topic": "animals"}),),
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
    ),
    Scenario(
        "interrupt_beside_an_update_then_command_goto",
        "interrupt_goto",
        (Turn({"topic": "bees"}, answers=(Answer("yes"),)),),
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
    ),
    Scenario("io_schemas", "io_schemas", (Turn({"text": "the quick brown fox"}),)),
    Scenario("env_from_langgraph_json", "env_graph", (Turn({"name": "Ada"}),)),
    Scenario("factory_plain", "factory_plain", (Turn({"name": "Ada"}),)),
    Scenario(
        "factory_config",
        "factory_config",
        (Turn({"name": "Ada"}, config={"configurable": {"flavour": "mint"}}),),
    ),
    Scenario(
        "factory_runtime",
        "factory_runtime",
        (Turn({"name": "Ada"}, context={"flavour": "lime"}),),
    ),
    Scenario(
        "factory_async_plain",
        "factory_async_plain",
        (Turn({"name": "Ada"}),),
    ),
    Scenario(
        "factory_async_config",
        "factory_async_config",
        (Turn({"name": "Ada"}, config={"configurable": {"flavour": "mint"}}),),
    ),
    Scenario(
        "factory_async_runtime",
        "factory_async_runtime",
        (Turn({"name": "Ada"}, context={"flavour": "lime"}),),
    ),
)
