#!/usr/bin/env python3
"""An osquery-python-style extension (Apache Thrift's Python library, bindings generated from the
repo's IDL) offering a config plugin and a logger plugin, to be autoloaded by a daemon:

- config `py_config`: genConfig answers a schedule with `py_eight` (`select 8 as eight`, every s);
- logger `py_logger`: result lines go to $OSQ_PLUGIN_DIR/results.log, status lines (the `log`
  JSON of a status request, one entry per line) to $OSQ_PLUGIN_DIR/status.log.

usage: py_plugins_extension.py GENERATED_DIR --socket SOCKET [--timeout T] [--interval I]
(the arguments osquery gives the extensions it autoloads).
"""
import json
import os
import sys

sys.path.insert(0, sys.argv[1])

import py_thrift_common as common  # noqa: E402
from osquery.extensions.ttypes import ExtensionResponse  # noqa: E402

ARGS = sys.argv[2:]
MANAGER = ARGS[ARGS.index("--socket") + 1]
OUT = os.environ.get("OSQ_PLUGIN_DIR", ".")
CONFIG = {"schedule": {"py_eight": {"query": "select 8 as eight", "interval": 1}}}


def append(name, line):
    with open(os.path.join(OUT, name), "a") as f:
        f.write(line + "\n")


class Handler(common.Handler):
    def call(self, registry, item, request):
        if registry == "config" and item == "py_config":
            if request.get("action") == "genConfig":
                return ExtensionResponse(self.status(), [{"main": json.dumps(CONFIG)}])
            return ExtensionResponse(self.status(1, "Unknown action"), [])
        if registry == "logger" and item == "py_logger":
            # As osquery-python's LoggerPlugin: string, snapshot, init and status requests.
            if "string" in request:
                append("results.log", request["string"])
            elif "snapshot" in request:
                append("snapshots.log", request["snapshot"])
            elif "status" in request:
                for entry in json.loads(request.get("log", "[]")):
                    append("status.log", json.dumps(entry))
            elif "init" in request:
                pass
            else:
                # "features" included: osquery reads this status code as the feature bits (1 = status logs).
                return ExtensionResponse(self.status(1, "Unknown action"), [])
            return ExtensionResponse(self.status(), [])
        return ExtensionResponse(self.status(1, "Unknown plugin " + item), [])


def main():
    client, transport = common.connect_within(MANAGER, 30, 0.05)
    status = common.register(client, transport, "py_plugins", {"config": {"py_config": []}, "logger": {"py_logger": []}})
    if status.code != 0:
        sys.exit(1)
    common.serve(MANAGER, Handler(status.uuid))
    common.stay_registered(MANAGER, status.uuid)


main()
