#!/usr/bin/python3
"""The least Keystone the original magnum-api needs to answer a policy-checked request.

Every magnum.common.policy.enforce() call in the original (Magnum 15) runs
add_policy_attributes(), which builds a new admin KeystoneClientV3 and authenticates the
trustee-domain admin (POST <www_authenticate_uri>/auth/tokens) to learn
`trustee_domain_id`. Without a Keystone every policy-checked request is a 500. This stub
answers that one call at once with a domain-scoped token (no password hashing, no
database): it is the original's best case, far cheaper than a real Keystone.

    keystone_stub.py --port 0 --port-file PATH   # writes the bound port to PATH

GET /count answers the number of token requests served (one per policy check).
Binds 127.0.0.1 only. Stdlib only; run with Debian's /usr/bin/python3.
"""
import argparse
import http.server
import json
import os
import socketserver
import threading

TOKEN = json.dumps({
    "token": {
        "methods": ["password"],
        "expires_at": "2099-01-01T00:00:00.000000Z",
        "issued_at": "2024-01-01T00:00:00.000000Z",
        "user": {"id": "bench-domain-admin", "name": "bench-domain-admin",
                 "domain": {"id": "bench-trustee-domain", "name": "magnum"}},
        "domain": {"id": "bench-trustee-domain", "name": "magnum"},
        "roles": [{"id": "admin-role", "name": "admin"}],
        "catalog": [],
    }
}).encode()


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.value = 0

    def add(self):
        with self.lock:
            self.value += 1


COUNT = Counter()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _reply(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if self.path.rstrip("/").endswith("/auth/tokens"):
            COUNT.add()
            self._reply(201, TOKEN, [("X-Subject-Token", "bench-token")])
        else:
            self._reply(404, b'{"error": {"code": 404, "message": "not in the stub"}}')

    def do_GET(self):
        if self.path == "/count":
            self._reply(200, json.dumps({"token_requests": COUNT.value}).encode())
        else:
            self._reply(404, b'{"error": {"code": 404, "message": "not in the stub"}}')

    def log_message(self, *args):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--port-file")
    args = p.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % port)
        os.rename(tmp, args.port_file)
    print("LISTENING 127.0.0.1:%d" % port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
