"""Renders fuzzed templates with real Jinja2 (Debian python3-jinja2), for tests/jinja/differential.ts.

Reads JSON {"data": {...}, "templates": [...]} on stdin; writes JSON [outcome, ...] on stdout, one
per template: {"ok": true, "output": ...}, or {"ok": false, "phase": "compile" | "render",
"kind": "Class", "error": "Class: message"}. A result past 1 MB, MemoryError and OverflowError count as phase
"resource" (the address space is limited to 1 GiB so that `'a' * 10 ** 12` fails fast).
"""
import json
import resource
import sys

import jinja2

LIMIT = 1 << 30
resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
MAX_OUTPUT = 1 << 20

request = json.load(sys.stdin)
data = json.dumps(request["data"])
env = jinja2.Environment()
outcomes = []
for source in request["templates"]:
    try:
        template = env.from_string(source)
    except Exception as error:  # TemplateSyntaxError, TemplateAssertionError
        outcomes.append({"ok": False, "phase": "compile", "error": f"{type(error).__name__}: {error}"})
        continue
    try:
        # A fresh copy each time: filters may change their input (indent appends to a list).
        output = template.render(**json.loads(data))
        if len(output) > MAX_OUTPUT:
            outcomes.append({"ok": False, "phase": "resource", "error": "output past 1 MB"})
        else:
            outcomes.append({"ok": True, "output": output})
    except (MemoryError, OverflowError, RecursionError) as error:
        outcomes.append({"ok": False, "phase": "resource", "error": f"{type(error).__name__}: {error}"})
    except Exception as error:
        kind = type(error).__name__
        outcomes.append({"ok": False, "phase": "render", "kind": kind, "error": f"{kind}: {error}"})
json.dump({"version": jinja2.__version__, "outcomes": outcomes}, sys.stdout)
