#!/usr/bin/env python3
"""A client of osq's extension manager written against Apache Thrift's Python library and
bindings generated from the repo's IDL (thrift --gen py). Prints one JSON document with what
it saw, for extension_interop_test.ts.

usage: py_client.py GENERATED_DIR SOCKET
"""
import json
import sys

sys.path.insert(0, sys.argv[1])

import py_thrift_common as common  # noqa: E402

client, transport = common.manager_client(sys.argv[2])

out = {}
ping = client.ping()
out["ping"] = {"code": ping.code, "message": ping.message, "uuid": ping.uuid}
q = client.query("select 1 as one, 'x' as two, null as three")
out["query"] = {"code": q.status.code, "message": q.status.message, "rows": q.response}
bad = client.query("select * from no_such_table")
out["bad_query"] = {"code": bad.status.code, "message": bad.status.message}
cols = client.getQueryColumns("select 1 as one, 'x' as two")
out["columns"] = cols.response
out["extensions"] = {str(k): v.name for k, v in client.extensions().items()}
opts = client.options()
out["option_socket"] = opts["extensions_socket"].value if "extensions_socket" in opts else None
out["option_type"] = opts["extensions_socket"].type if "extensions_socket" in opts else None
call = client.call("table", "no_such_table", {"action": "columns"})
out["call_unknown"] = {"code": call.status.code, "message": call.status.message}
dereg = client.deregisterExtension(424242)
out["deregister_unknown"] = {"code": dereg.status.code if hasattr(dereg, "status") else dereg.code,
                             "message": dereg.message}
transport.close()
print(json.dumps(out))
