#!/usr/bin/env python3
"""A table extension written with Apache Thrift's Python library and bindings generated from
the repo's IDL. It registers the table `py_numbers` (n INTEGER, word TEXT, squared BIGINT) with
the manager at SOCKET, serves `<SOCKET>.<uuid>`, records every generate context it receives in
CONTEXT_LOG (one JSON line each), and exits when the manager goes away.

usage: py_extension.py GENERATED_DIR SOCKET CONTEXT_LOG
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

MANAGER = sys.argv[2]
CONTEXT_LOG = sys.argv[3]
WORDS = ["zero", "one", "two", "three", "four", "five"]
ROUTES = [
    {"id": "column", "name": "n", "type": "INTEGER", "op": "0"},
    {"id": "column", "name": "word", "type": "TEXT", "op": "0"},
    {"id": "column", "name": "squared", "type": "BIGINT", "op": "0"},
]


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
        ok = ExtensionStatus(code=0, message="OK", uuid=self.uuid)
        if registry != "table" or item != "py_numbers":
            return ExtensionResponse(ExtensionStatus(code=1, message="Unknown plugin " + item, uuid=self.uuid), [])
        if request.get("action") == "columns":
            return ExtensionResponse(ok, ROUTES)
        if request.get("action") == "generate":
            context = json.loads(request.get("context", "{}"))
            with open(CONTEXT_LOG, "a") as log:
                log.write(json.dumps(context) + "\n")
            rows = [{"n": str(i), "word": w, "squared": str(i * i)} for i, w in enumerate(WORDS)]
            return ExtensionResponse(ok, rows)
        return ExtensionResponse(ExtensionStatus(code=1, message="Unknown action", uuid=self.uuid), [])

    def shutdown(self):
        os._exit(0)


def main():
    deadline = time.time() + 10
    while True:
        try:
            client, transport = manager_client()
            break
        except Exception:
            if time.time() > deadline:
                sys.exit(2)
            time.sleep(0.02)
    info = InternalExtensionInfo(name="py_ext", version="1.0.0", sdk_version="5.23.1", min_sdk_version="1.8.0")
    status = client.registerExtension(info, {"table": {"py_numbers": ROUTES}, "config": {}})
    transport.close()
    if status.code != 0:
        print("register failed: " + status.message, flush=True)
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
    print("registered %d" % status.uuid, flush=True)
    # Watch the manager like osquery's SDK: leave when it or our registration disappears.
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
