#!/usr/bin/env python3
"""The Python (Apache Thrift) counterpart of bench_extension.ts for scripts/bench_extensions.ts:
registers `py_bench_rows` (1,000 rows x 5 columns) with the manager at SOCKET and serves it.

usage: py_bench_extension.py GENERATED_DIR SOCKET
"""
import sys
import threading
import time

sys.path.insert(0, sys.argv[1])

from thrift.protocol import TBinaryProtocol  # noqa: E402
from thrift.server import TServer  # noqa: E402
from thrift.transport import TSocket, TTransport  # noqa: E402
from osquery.extensions import Extension, ExtensionManager  # noqa: E402
from osquery.extensions.ttypes import ExtensionResponse, ExtensionStatus, InternalExtensionInfo  # noqa: E402

MANAGER = sys.argv[2]
ROUTES = [{"id": "column", "name": n, "type": t, "op": "0"} for n, t in
          [("id", "INTEGER"), ("name", "TEXT"), ("path", "TEXT"), ("size", "BIGINT"), ("ratio", "DOUBLE")]]
ROWS = [{"id": str(i), "name": "name-%d" % i, "path": "/usr/lib/osq/bench/%d/file.so" % i,
         "size": str(i * 4096), "ratio": repr(i / 7)} for i in range(1000)]


class Handler:
    uuid = 0

    def ping(self):
        return ExtensionStatus(code=0, message="pong", uuid=self.uuid)

    def call(self, registry, item, request):
        ok = ExtensionStatus(code=0, message="OK", uuid=self.uuid)
        return ExtensionResponse(ok, ROUTES if request.get("action") == "columns" else ROWS)

    def shutdown(self):
        pass


transport = TTransport.TBufferedTransport(TSocket.TSocket(unix_socket=MANAGER))
client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(transport))
transport.open()
info = InternalExtensionInfo(name="py_bench", version="1.0", sdk_version="5.23.1", min_sdk_version="0.0.0")
status = client.registerExtension(info, {"table": {"py_bench_rows": ROUTES}})
transport.close()
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
print("registered", flush=True)
while True:
    time.sleep(60)
