#!/usr/bin/env python3
"""An osquery-python-style table extension (Apache Thrift's Python library, bindings generated
from the repo's IDL) whose table queries the core while it generates, as osquery's example
extension's complex_example does: `py_core_flag` (value TEXT) answers the core's
--extensions_timeout, read with the manager's `query` on a new connection during the generate.

usage: py_query_core_extension.py GENERATED_DIR SOCKET [ignored osquery extension flags...]
       (--socket PATH among the flags overrides SOCKET, as the daemon's autoloader passes it)
"""
import sys

sys.path.insert(0, sys.argv[1])

import py_thrift_common as common  # noqa: E402
from osquery.extensions.ttypes import ExtensionResponse  # noqa: E402


def manager_path():
    args = sys.argv[2:]
    for i, arg in enumerate(args):
        if arg.startswith("--socket="):
            return arg[len("--socket="):]
        if arg == "--socket" and i + 1 < len(args):
            return args[i + 1]
    return args[0]


MANAGER = manager_path()
ROUTES = [{"id": "column", "name": "value", "type": "TEXT", "op": "0"}]
SQL = "select value from osquery_flags where name = 'extensions_timeout'"


class Handler(common.Handler):
    def call(self, registry, item, request):
        def failed(message):
            return ExtensionResponse(self.status(1, message), [])

        if registry != "table" or item != "py_core_flag":
            return failed("Unknown plugin " + item)
        if request.get("action") == "columns":
            return ExtensionResponse(self.status(), ROUTES)
        if request.get("action") != "generate":
            return failed("Unknown action")
        # Query the core while it waits for these rows.
        client, transport = common.manager_client(MANAGER)
        try:
            answer = client.query(SQL)
        finally:
            transport.close()
        if answer.status.code != 0:
            return failed("core query failed: " + answer.status.message)
        return ExtensionResponse(self.status(), [{"value": row.get("value", "")} for row in answer.response])


def main():
    client, transport = common.connect_within(MANAGER, 60, 0.02)
    status = common.register(client, transport, "py_query_core", {"table": {"py_core_flag": ROUTES}})
    if status.code != 0:
        print("register failed: " + status.message, file=sys.stderr, flush=True)
        sys.exit(1)
    common.serve(MANAGER, Handler(status.uuid))
    common.stay_registered(MANAGER, status.uuid)


main()
