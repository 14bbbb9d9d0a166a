"""`genesis-mesh audit`: the topical_mesh graph as a link check for CI.

execute.py   runs the topical_mesh graph in this process and returns its output
adapter.py   turns that output into `Finding`s (the one place that knows its shape)
findings.py  the findings model, the kinds and the `--fail-on` selection
baseline.py  accepted findings with a reason; only new ones fail
changed.py   the files changed since a git ref (`--changed-since`)
verdict.py   findings judged against fail-on, baseline and changed files
text.py, json_report.py, sarif.py, junit.py, github.py, markdown.py  the formats
command.py   options in, exit code out (cli.py only parses the command line)
"""
