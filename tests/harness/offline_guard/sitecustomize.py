"""Fail fast, with a clear message, when code under the offline test harness reaches for the network.

The harness puts this folder on PYTHONPATH and sets GENAI_BLOCK_NETWORK=1, so every Python process
it starts (the notebook kernels included) imports it at start-up. Loopback stays open: Jupyter
kernels talk to pytest over 127.0.0.1.
"""
import os

if os.environ.get("GENAI_BLOCK_NETWORK") == "1":
    import socket

    _LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0", "", None}

    class NetworkBlockedError(ConnectionRefusedError):
        """Raised instead of any connection to a non-loopback host."""

    def _host_of(address):
        return address[0] if isinstance(address, tuple) and address else address

    def _check(host, port=None):
        if isinstance(host, bytes):
            host = host.decode()
        if host in _LOCAL or (isinstance(host, str) and (host.startswith("127.") or host.startswith("/"))):
            return
        raise NetworkBlockedError(
            f"network access to {host}:{port} is blocked: the notebooks run offline against the local "
            "stand-in cache. Load models and data sets by their Hub id with HF_HUB_OFFLINE=1, and add a "
            "stand-in in tests/harness/standins/ for any new repo id."
        )

    _connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def connect(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            _check(_host_of(address), address[1] if isinstance(address, tuple) and len(address) > 1 else None)
        return _connect(self, address)

    def connect_ex(self, address):
        if self.family != getattr(socket, "AF_UNIX", None):
            _check(_host_of(address), address[1] if isinstance(address, tuple) and len(address) > 1 else None)
        return _connect_ex(self, address)

    def getaddrinfo(host, port, *args, **kwargs):
        _check(host, port)
        return _getaddrinfo(host, port, *args, **kwargs)

    socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = connect, connect_ex, getaddrinfo
    socket.NetworkBlockedError = NetworkBlockedError
