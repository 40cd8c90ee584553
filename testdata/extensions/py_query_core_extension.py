#!/usr/bin/env python3
"""An osquery-python-style table extension (Apache Thrift's Python library, bindings generated
from the repo's IDL) whose table queries the core while it generates, as osquery's example
extension's complex_example does: `py_core_flag` (value TEXT) answers the core's
--extensions_timeout, read with the manager's `query` on a new connection during the generate.

usage: py_query_core_extension.py GENERATED_DIR SOCKET [ignored osquery extension flags...]
       (--socket PATH among the flags overrides SOCKET, as the daemon's autoloader passes it)
"""
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


def manager_client():
    sock = TSocket.TSocket(unix_socket=MANAGER)
    transport = TTransport.TBufferedTransport(sock)
    client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client, transport


class Handler:
    def __init__(self):
        self.uuid = 0

    def ping(self):
        return ExtensionStatus(code=0, message="pong", uuid=self.uuid)

    def call(self, registry, item, request):
        def failed(message):
            return ExtensionResponse(ExtensionStatus(code=1, message=message, uuid=self.uuid), [])

        ok = ExtensionStatus(code=0, message="OK", uuid=self.uuid)
        if registry != "table" or item != "py_core_flag":
            return failed("Unknown plugin " + item)
        if request.get("action") == "columns":
            return ExtensionResponse(ok, ROUTES)
        if request.get("action") != "generate":
            return failed("Unknown action")
        # Query the core while it waits for these rows.
        client, transport = manager_client()
        try:
            answer = client.query(SQL)
        finally:
            transport.close()
        if answer.status.code != 0:
            return failed("core query failed: " + answer.status.message)
        return ExtensionResponse(ok, [{"value": row.get("value", "")} for row in answer.response])

    def shutdown(self):
        os._exit(0)


def main():
    deadline = time.time() + 60
    while True:
        try:
            client, transport = manager_client()
            break
        except Exception:
            if time.time() > deadline:
                sys.exit(2)
            time.sleep(0.02)
    info = InternalExtensionInfo(name="py_query_core", version="1.0.0", sdk_version="5.23.1", min_sdk_version="1.8.0")
    status = client.registerExtension(info, {"table": {"py_core_flag": ROUTES}})
    transport.close()
    if status.code != 0:
        print("register failed: " + status.message, file=sys.stderr, flush=True)
        sys.exit(1)
    handler = Handler()
    handler.uuid = status.uuid
    path = "%s.%d" % (MANAGER, status.uuid)
    server = TServer.TThreadedServer(
        Extension.Processor(handler),
        TSocket.TServerSocket(unix_socket=path),
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
