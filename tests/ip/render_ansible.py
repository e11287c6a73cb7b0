"""Renders templates with the real Ansible IP filters and tests (ansible.utils), for
tests/ip/differential.ts.

Loads the `ansible.utils` filter and test plugins that our renderer implements into a plain Jinja2
environment (no Ansible templating around them). Reads JSON {"data": {...}, "templates": [...]}
on stdin; writes JSON {"versions": {...}, "outcomes": [...]} on stdout, one outcome per template:
{"ok": true, "output": ...} or {"ok": false, "error": "Class: message"}.
"""
import contextlib
import importlib
import json
import sys
import warnings

import jinja2

warnings.simplefilter("ignore")

PLUGINS = "ansible_collections.ansible.utils.plugins"
FILTERS = [
    "ipaddr", "ipsubnet", "nthhost", "ipmath", "ipwrap", "ipv4", "ipv6", "network_in_network",
    "network_in_usable", "next_nth_usable", "previous_nth_usable", "usable_range",
]
TESTS = ["ip", "ipv4", "ipv6"]


def environment():
    env = jinja2.Environment()
    for name in FILTERS:
        env.filters.update(importlib.import_module(f"{PLUGINS}.filter.{name}").FilterModule().filters())
    for name in TESTS:
        env.tests.update(importlib.import_module(f"{PLUGINS}.test.{name}").TestModule().tests())
    return env


def versions():
    import ansible
    import netaddr

    manifest = importlib.import_module("ansible_collections.ansible.utils").__path__[0] + "/MANIFEST.json"
    with open(manifest) as file:
        utils = json.load(file)["collection_info"]["version"]
    return {"ansible-core": ansible.__version__, "ansible.utils": utils, "netaddr": netaddr.__version__,
            "jinja2": jinja2.__version__}


def main():
    request = json.load(sys.stdin)
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # Ansible's warnings print on stdout
        env = environment()
        outcomes = [render(env, source, request["data"]) for source in request["templates"]]
        found = versions()
    json.dump({"versions": found, "outcomes": outcomes}, out)


def render(env, source, data):
    try:
        return {"ok": True, "output": env.from_string(source).render(**data)}
    except Exception as error:
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


main()
