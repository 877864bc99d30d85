"""Misbehaving lab agents for fault injection, each a real HTTP server on 127.0.0.1:

    hang     accepts, reads the request, never answers
    trickle  sends a 200 header and then one byte a second, forever
    error    answers 500
    garbage  answers 200 with bytes that are not JSON
    huge     answers 200 with an endless body, as fast as it can
    refuse   answers 401 whatever the token

Run `python tests/servers/faulty_agent.py MODE [--count N]`: prints one line per port and serves
until killed (N servers in one process, for the benchmark).
"""

from __future__ import annotations

import argparse
import socketserver
import threading
import time


class Handler(socketserver.BaseRequestHandler):
    mode = "hang"

    def handle(self):
        self.request.settimeout(120)
        try:
            self.request.recv(65536)
            if self.mode == "hang":
                time.sleep(3600)
            elif self.mode == "trickle":
                self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n")
                while True:
                    self.request.sendall(b" ")
                    time.sleep(1)
            elif self.mode == "error":
                self.request.sendall(b"HTTP/1.0 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!")
            elif self.mode == "garbage":
                self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\n\x00\xffnot{js")
            elif self.mode == "huge":
                self.request.sendall(b'HTTP/1.0 200 OK\r\n\r\n{"schema": 1, "reports": ["')
                block = b"x" * 65536
                while True:
                    self.request.sendall(block)
            elif self.mode == "refuse":
                self.request.sendall(b"HTTP/1.0 401 Unauthorized\r\nContent-Length: 2\r\n\r\n{}")
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def start(mode: str) -> Server:
    handler = type(f"{mode.title()}Handler", (Handler,), {"mode": mode})
    server = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["hang", "trickle", "error", "garbage", "huge", "refuse"])
    parser.add_argument("--count", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.count):
        print(start(args.mode).server_address[1], flush=True)
    while True:
        time.sleep(3600)
