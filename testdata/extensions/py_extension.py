#!/usr/bin/env python3
"""A table extension written with Apache Thrift's Python library and bindings generated from
the repo's IDL. It registers the table `py_numbers` (n INTEGER, word TEXT, squared BIGINT) with
the manager at SOCKET, serves `<SOCKET>.<uuid>`, records every generate context it receives in
CONTEXT_LOG (one JSON line each), and exits when the manager goes away.

usage: py_extension.py GENERATED_DIR SOCKET CONTEXT_LOG
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import py_thrift_common as common  # noqa: E402
from osquery.extensions.ttypes import ExtensionResponse  # noqa: E402

MANAGER = sys.argv[2]
CONTEXT_LOG = sys.argv[3]
WORDS = ["zero", "one", "two", "three", "four", "five"]
ROUTES = [
    {"id": "column", "name": "n", "type": "INTEGER", "op": "0"},
    {"id": "column", "name": "word", "type": "TEXT", "op": "0"},
    {"id": "column", "name": "squared", "type": "BIGINT", "op": "0"},
]


class Handler(common.Handler):
    def call(self, registry, item, request):
        ok = self.status()
        if registry != "table" or item != "py_numbers":
            return ExtensionResponse(self.status(1, "Unknown plugin " + item), [])
        if request.get("action") == "columns":
            return ExtensionResponse(ok, ROUTES)
        if request.get("action") == "generate":
            context = json.loads(request.get("context", "{}"))
            with open(CONTEXT_LOG, "a") as log:
                log.write(json.dumps(context) + "\n")
            rows = [{"n": str(i), "word": w, "squared": str(i * i)} for i, w in enumerate(WORDS)]
            return ExtensionResponse(ok, rows)
        return ExtensionResponse(self.status(1, "Unknown action"), [])


def main():
    client, transport = common.connect_within(MANAGER, 10, 0.02)
    status = common.register(client, transport, "py_ext", {"table": {"py_numbers": ROUTES}, "config": {}})
    if status.code != 0:
        print("register failed: " + status.message, flush=True)
        sys.exit(1)
    common.serve(MANAGER, Handler(status.uuid))
    print("registered %d" % status.uuid, flush=True)
    common.stay_registered(MANAGER, status.uuid)


main()
