"""Where a link's target sits in the source: 1-based line and column.

markdown-it gives each block its lines (`token.map`); inline tokens carry no columns, so
the target is searched for in the block's source, left to right, from just after the
previous link of the same block. A target that cannot be found (rewritten by entity or
escape decoding) points at the block's first line.
"""

from __future__ import annotations

import bisect

# A needle may start with the syntax before the target; the column is the target's own.
_PREFIXES = ("]: <", "](<", "]: ", "](", "[[")


class BlockText:
    """The source lines [start, end) of one block, with a search cursor."""

    def __init__(self, lines: list[str], start: int, end: int, line_offset: int) -> None:
        self.lines, self.start, self.end = lines, start, max(start + 1, end)
        self.line_offset = line_offset
        self.text = "\n".join(lines[start : self.end])
        self.cursor = 0
        self._starts: list[int] | None = None

    def restarted(self) -> BlockText:
        """The same block with the cursor back at its beginning."""
        return BlockText(self.lines, self.start, self.end, self.line_offset)

    def find(self, needles: tuple[str, ...]) -> tuple[int, int]:
        """(line, column) in the file of the first needle found after the cursor."""
        for needle in needles:
            if not needle:
                continue
            at = self.text.find(needle, self.cursor)
            if at >= 0:
                skip = next((len(p) for p in _PREFIXES if needle.startswith(p)), 0)
                self.cursor = at + len(needle)
                return self._position(at + skip)
        first = self.lines[self.start] if self.start < len(self.lines) else ""
        return self.start + 1 + self.line_offset, len(first) - len(first.lstrip()) + 1

    def _position(self, offset: int) -> tuple[int, int]:
        if self._starts is None:
            starts, at = [0], self.text.find("\n")
            while at >= 0:
                starts.append(at + 1)
                at = self.text.find("\n", at + 1)
            self._starts = starts
        row = bisect.bisect_right(self._starts, offset) - 1
        return self.start + row + 1 + self.line_offset, offset - self._starts[row] + 1


def target_column(line: str, target: str, tag_column: int) -> int:
    """1-based column of `target` in `line`, searched from the tag that holds it."""
    at = line.find(target, tag_column) if target else -1
    return (at if at >= 0 else tag_column) + 1
