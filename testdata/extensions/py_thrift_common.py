"""What the Python test extensions (py_*_extension.py) share: the Thrift client of osq's manager,
registration, serving the Extension interface on `<SOCKET>.<uuid>`, and leaving when the manager
or the registration goes away, as osquery-python's SDK does.

The scripts sit beside this file, so Python finds it on sys.path; import it after the generated
bindings' directory (the scripts' first argument) is on sys.path too.
"""
import os
import sys
import threading
import time

from thrift.protocol import TBinaryProtocol
from thrift.server import TServer
from thrift.transport import TSocket, TTransport
from osquery.extensions import Extension, ExtensionManager
from osquery.extensions.ttypes import ExtensionStatus, InternalExtensionInfo


def manager_client(manager):
    """A connected client of the manager at socket path `manager`, and its transport to close."""
    transport = TTransport.TBufferedTransport(TSocket.TSocket(unix_socket=manager))
    client = ExtensionManager.Client(TBinaryProtocol.TBinaryProtocol(transport))
    transport.open()
    return client, transport


def connect_within(manager, seconds, poll):
    """manager_client(manager), retried every `poll` seconds; exits with 2 after `seconds`."""
    deadline = time.time() + seconds
    while True:
        try:
            return manager_client(manager)
        except Exception:
            if time.time() > deadline:
                sys.exit(2)
            time.sleep(poll)


def register(client, transport, name, registry, version="1.0.0", min_sdk_version="1.8.0"):
    """Registers extension `name` offering `registry` and closes the connection; the status."""
    info = InternalExtensionInfo(name=name, version=version, sdk_version="5.23.1", min_sdk_version=min_sdk_version)
    status = client.registerExtension(info, registry)
    transport.close()
    return status


class Handler:
    """The Extension interface's ping and shutdown; subclasses answer `call`."""

    def __init__(self, uuid=0):
        self.uuid = uuid

    def status(self, code=0, message="OK"):
        return ExtensionStatus(code=code, message=message, uuid=self.uuid)

    def ping(self):
        return self.status(message="pong")

    def shutdown(self):
        os._exit(0)


def serve(manager, handler):
    """Serves `handler` on `<manager>.<uuid>` from a daemon thread."""
    server = TServer.TThreadedServer(
        Extension.Processor(handler),
        TSocket.TServerSocket(unix_socket="%s.%d" % (manager, handler.uuid)),
        TTransport.TBufferedTransportFactory(),
        TBinaryProtocol.TBinaryProtocolFactory(),
        daemon=True,
    )
    threading.Thread(target=server.serve, daemon=True).start()


def stay_registered(manager, uuid):
    """Watches the manager like osquery's SDK: exits 0 when it is gone, 1 when `uuid` is no longer registered."""
    while True:
        time.sleep(0.5)
        try:
            client, transport = manager_client(manager)
            present = uuid in client.extensions()
            transport.close()
        except Exception:
            sys.exit(0)
        if not present:
            sys.exit(1)
