#!/usr/bin/env python3
"""The Python (Apache Thrift) counterpart of bench_extension.ts for scripts/bench_extensions.ts:
registers `py_bench_rows` (1,000 rows x 5 columns) with the manager at SOCKET and serves it.

usage: py_bench_extension.py GENERATED_DIR SOCKET
"""
import sys
import time

sys.path.insert(0, sys.argv[1])

import py_thrift_common as common  # noqa: E402
from osquery.extensions.ttypes import ExtensionResponse  # noqa: E402

MANAGER = sys.argv[2]
ROUTES = [{"id": "column", "name": n, "type": t, "op": "0"} for n, t in
          [("id", "INTEGER"), ("name", "TEXT"), ("path", "TEXT"), ("size", "BIGINT"), ("ratio", "DOUBLE")]]
ROWS = [{"id": str(i), "name": "name-%d" % i, "path": "/usr/lib/osq/bench/%d/file.so" % i,
         "size": str(i * 4096), "ratio": repr(i / 7)} for i in range(1000)]


class Handler(common.Handler):
    def call(self, registry, item, request):
        return ExtensionResponse(self.status(), ROUTES if request.get("action") == "columns" else ROWS)

    def shutdown(self):
        pass


client, transport = common.manager_client(MANAGER)
status = common.register(client, transport, "py_bench", {"table": {"py_bench_rows": ROUTES}}, "1.0", "0.0.0")
common.serve(MANAGER, Handler(status.uuid))
print("registered", flush=True)
while True:
    time.sleep(60)
