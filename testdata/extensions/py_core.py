#!/usr/bin/env python3
"""A stand-in osquery core written with Apache Thrift's Python library and bindings generated
from the repo's IDL. It serves ExtensionManager on SOCKET the way osqueryd does: assigns a
uuid at registration, then talks to the extension at SOCKET.<uuid> with a new connection per
call (ping first). It prints one JSON line with what the extension answered, keeps answering
extensions() for LINGER seconds, then removes its socket and exits (the core "goes away").

usage: py_core.py GENERATED_DIR SOCKET LINGER
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
from osquery.extensions.ttypes import ExtensionResponse, ExtensionStatus, InternalOptionInfo  # noqa: E402

SOCKET = sys.argv[2]
LINGER = float(sys.argv[3])
UUID = 31337
registered = {}
ready = threading.Event()


def ext_client(uuid):
    sock = TSocket.TSocket(unix_socket="%s.%d" % (SOCKET, uuid))
    transport = TTransport.TBufferedTransport(sock)
    client = Extension.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client, transport


def connect(uuid):
    # The socket file appears at bind(), a moment before listen(): retry a refused connection
    # for a while (generously: the machine may be loaded) instead of failing the first time.
    deadline = time.time() + 30
    while True:
        try:
            return ext_client(uuid)
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.05)


def call_once(uuid, method, *args):
    # As osqueryd: ping on one connection, then the call on a new one.
    client, transport = connect(uuid)
    pong = client.ping()
    transport.close()
    if pong.code != 0:
        raise RuntimeError("ping failed")
    client, transport = connect(uuid)
    try:
        return getattr(client, method)(*args)
    finally:
        transport.close()


class Handler:
    def ping(self):
        return ExtensionStatus(code=0, message="pong", uuid=0)

    def call(self, registry, item, request):
        return ExtensionResponse(ExtensionStatus(code=1, message="Cannot call registry item: " + item, uuid=0), [])

    def shutdown(self):
        pass

    def extensions(self):
        return dict(registered)

    def options(self):
        return {"logger_plugin": InternalOptionInfo(value="filesystem", default_value="filesystem", type="string")}

    def registerExtension(self, info, registry):
        registered[UUID] = info
        self.broadcast = registry
        ready.set()
        return ExtensionStatus(code=0, message="OK", uuid=UUID)

    def deregisterExtension(self, uuid):
        registered.pop(uuid, None)
        return ExtensionStatus(code=0, message="OK", uuid=0)

    def query(self, sql):
        return ExtensionResponse(ExtensionStatus(code=1, message="not a real core", uuid=0), [])

    def getQueryColumns(self, sql):
        return ExtensionResponse(ExtensionStatus(code=1, message="not a real core", uuid=0), [])


handler = Handler()


def drive():
    ready.wait(20)
    path = "%s.%d" % (SOCKET, UUID)
    deadline = time.time() + 10
    while not os.path.exists(path) and time.time() < deadline:
        time.sleep(0.02)
    out = {"info": vars(registered[UUID]), "broadcast": handler.broadcast}
    cols = call_once(UUID, "call", "table", "example_numbers", {"action": "columns"})
    out["columns"] = cols.response
    context = json.dumps({
        "constraints": [
            {"name": "label", "list": [], "affinity": "TEXT"},
            {"name": "n", "list": [{"op": 2, "expr": "3"}, {"op": 2, "expr": "4"}], "affinity": "INTEGER"},
            {"name": "square", "list": [], "affinity": "BIGINT"},
        ],
        "colsUsed": ["n", "square", "label"],
        "colsUsedBitset": 7,
    })
    gen = call_once(UUID, "call", "table", "example_numbers", {"action": "generate", "context": context})
    out["generate"] = {"code": gen.status.code, "uuid": gen.status.uuid, "rows": gen.response}
    log = call_once(UUID, "call", "logger", "example_log", {"string": "{\"hello\":1}", "category": "event"})
    out["log"] = log.status.code
    unknown = call_once(UUID, "call", "table", "nope", {"action": "generate"})
    out["unknown_table"] = {"code": unknown.status.code, "message": unknown.status.message}
    print(json.dumps(out), flush=True)
    time.sleep(LINGER)
    os.unlink(SOCKET)
    os._exit(0)


def drive_or_die():
    # A failure must end the process (and so the test's wait for our line), never leave the
    # server running with nobody to print the result.
    try:
        drive()
    except BaseException as err:  # noqa: BLE001
        print(json.dumps({"error": repr(err)}), flush=True)
        os._exit(1)


threading.Thread(target=drive_or_die, daemon=True).start()
server = TServer.TThreadedServer(
    ExtensionManager.Processor(handler),
    TSocket.TServerSocket(unix_socket=SOCKET),
    TTransport.TBufferedTransportFactory(),
    TBinaryProtocol.TBinaryProtocolFactory(),
    daemon=True,
)
print("ready", flush=True)
server.serve()
