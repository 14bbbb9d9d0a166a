"""Hugo's link shortcodes: `{{< ref "x" >}}`, `{{% relref path="x" %}}`, as page links."""

from __future__ import annotations

import re

# Bounded repetitions keep this linear on hostile input (no catastrophic backtracking).
HUGO_REF = re.compile(
    r"\{\{[<%] {0,5}(?:rel)?ref {1,5}(?:path=)?[\"']?([^\"'\s>%}]{1,500})[\"']?"
    r"[^}\n]{0,200}?[>%]\}\}"
)
