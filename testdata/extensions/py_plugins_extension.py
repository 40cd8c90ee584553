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
import threading
import time

sys.path.insert(0, sys.argv[1])

from thrift.protocol import TBinaryProtocol  # noqa: E402
from thrift.server import TServer  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from osquery.extensions import Extension, ExtensionManager  # noqa: E402
from osquery.extensions.ttypes import (  # noqa: E402
    ExtensionResponse,
    ExtensionStatus,
    InternalExtensionInfo,
)

ARGS = sys.argv[2:]
MANAGER = ARGS[ARGS.index("--socket") + 1]
OUT = os.environ.get("OSQ_PLUGIN_DIR", ".")
CONFIG = {"schedule": {"py_eight": {"query": "select 8 as eight", "interval": 1}}}


def manager_client():
    sock = TSocket.TSocket(unix_socket=MANAGER)
    transport = TTransport.TBufferedTransport(sock)
    client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client, transport


def append(name, line):
    with open(os.path.join(OUT, name), "a") as f:
        f.write(line + "\n")


class Handler:
    def __init__(self):
        self.uuid = 0

    def status(self, code=0, message="OK"):
        return ExtensionStatus(code=code, message=message, uuid=self.uuid)

    def ping(self):
        return self.status(message="pong")

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

    def shutdown(self):
        os._exit(0)


def main():
    deadline = time.time() + 30
    while True:
        try:
            client, transport = manager_client()
            break
        except Exception:
            if time.time() > deadline:
                sys.exit(2)
            time.sleep(0.05)
    info = InternalExtensionInfo(name="py_plugins", version="1.0.0", sdk_version="5.23.1", min_sdk_version="1.8.0")
    status = client.registerExtension(info, {"config": {"py_config": []}, "logger": {"py_logger": []}})
    transport.close()
    if status.code != 0:
        sys.exit(1)
    handler = Handler()
    handler.uuid = status.uuid
    server = TServer.TThreadedServer(
        Extension.Processor(handler),
        TSocket.TServerSocket(unix_socket="%s.%d" % (MANAGER, status.uuid)),
        TTransport.TBufferedTransportFactory(),
        TBinaryProtocol.TBinaryProtocolFactory(),
        daemon=True,
    )
    threading.Thread(target=server.serve, daemon=True).start()
    while True:
        time.sleep(0.5)
        try:
            client, transport = manager_client()
            present = status.uuid in client.extensions()
            transport.close()
        except Exception:
            sys.exit(0)
        if not present:
            sys.exit(1)


main()
