"""MkDocs Material / pymdownx content tabs: `=== "Title"` followed by an indented body.

Without this rule CommonMark reads the body as an indented code block and every link in
it is lost. Modelled on mdit-py-plugins' admonition rule: the body is tokenized as
markdown with the block indent raised by four columns.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from mdit_py_plugins.utils import is_code_block

_TAB = re.compile(r'^===[!+]?[ \t]+"[^"\n]*"[ \t]*$')
BODY_INDENT = 4


def _tab(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    if is_code_block(state, start_line):
        return False
    start = state.bMarks[start_line] + state.tShift[start_line]
    line = state.src[start : state.eMarks[start_line]]
    if not line.startswith("===") or not _TAB.match(line):
        return False
    if silent:
        return True
    old_parent, old_max, old_indent = state.parentType, state.lineMax, state.blkIndent
    state.parentType = "tab"
    state.blkIndent += BODY_INDENT
    next_line, was_empty = start_line, False
    while True:
        next_line += 1
        if next_line >= end_line:
            break
        is_empty = state.sCount[next_line] < state.blkIndent
        if is_empty and was_empty:
            break
        was_empty = is_empty
        pos = state.bMarks[next_line] + state.tShift[next_line]
        if pos < state.eMarks[next_line] and state.sCount[next_line] < state.blkIndent:
            break
    state.lineMax = next_line
    token = state.push("tab_open", "div", 1)
    token.block, token.map, token.info = True, [start_line, next_line], line
    state.md.block.tokenize(state, start_line + 1, next_line)
    token = state.push("tab_close", "div", -1)
    token.block = True
    state.parentType, state.lineMax, state.blkIndent = old_parent, old_max, old_indent
    state.line = next_line
    return True


def tabs_plugin(md: MarkdownIt) -> None:
    """Register the content-tab block rule (before fences, like admonitions)."""
    md.block.ruler.before(
        "fence", "mkdocs_tab", _tab, {"alt": ["paragraph", "reference", "blockquote", "list"]}
    )
