"""Memory of a hostile 300 MB reply: ftops stops reading at its reply cap instead of buffering it all.

A loopback server answers a usages list with a 300 MB body (with and without Content-Length). Each case
runs in a fresh child process, so its peak RSS (ru_maxrss) is its own; printed beside the baseline of a
process that only imports the client. Before the cap, the same reply reached 8.36 GB RSS (issue #22).

    .venv/bin/python benchmarks/bench_reply_memory.py
"""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY_MB = 300
CHUNK = b'{"name": {"value": "OpenAI.Standard.x"}, "currentValue": 1, "limit": 2},' * 1024

CHILD = r"""
import resource, sys, time
from ftops.azure.arm import ArmClient
from ftops.azure.settings import load_settings
from ftops.errors import FtopsError
url, mode = sys.argv[1], sys.argv[2]
started = time.monotonic()
outcome = "baseline"
if mode != "baseline":
    settings = load_settings({"FTOPS_AZURE_EMULATOR": url})
    with ArmClient("00000000-0000-0000-0000-000000000000", settings=settings) as arm:
        try:
            arm.cognitive_usages(mode)
            outcome = "read it all"
        except FtopsError as exc:
            outcome = exc.message[-70:]
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024, round(time.monotonic() - started, 2), outcome)
"""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        chunked = "/chunked/" in self.path
        total = BODY_MB * 1024 * 1024
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(total))
        self.end_headers()
        sent = 0
        try:
            while sent < total:
                piece = CHUNK[: total - sent]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: the point of the cap
        self.close_connection = True


def main() -> int:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{BODY_MB} MB reply to a usages list; peak RSS per child process")
    for label, mode in (("import only", "baseline"), ("Content-Length", "eastus"), ("chunked", "chunked")):
        out = subprocess.run([sys.executable, "-c", CHILD, url, mode], capture_output=True, text=True, check=True)
        rss, seconds, outcome = out.stdout.strip().split(" ", 2)
        print(f"  {label:15} {rss:>6} MB  {seconds:>6} s  {outcome}")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
