"""Renders the compatibility corpus with real Jinja2 (Debian python3-jinja2).

Reads JSON [{"name", "template", "data"}] on stdin, writes JSON [{"ok", "output"|"error"+"kind"}]
on stdout; "kind" is the exception's class name (TemplateSyntaxError, UndefinedError, TypeError, …). The environment uses Jinja2's defaults, which our renderer mirrors.
"""
import json
import sys

import jinja2

env = jinja2.Environment()
results = []
for case in json.load(sys.stdin):
    try:
        output = env.from_string(case["template"]).render(**case["data"])
        results.append({"ok": True, "output": output})
    except Exception as error:  # the class is compared with ours; the message is shown
        kind = type(error).__name__
        results.append({"ok": False, "kind": kind, "error": f"{kind}: {error}"})
json.dump({"version": jinja2.__version__, "results": results}, sys.stdout)
