"""The emulator's HTTP server on 127.0.0.1: routing, auth check, fault injection and spec checks.

    with Emulator(faults="429 on=POST:/openai/files nth=1 retry-after-ms=10") as emulator:
        os.environ["FTOPS_AZURE_EMULATOR"] = emulator.url
        ...
        assert emulator.counters("myaccount")["uploads"] == 1
        assert emulator.violations == []

Admin endpoints (never faulted, not part of Azure): `GET /_emulator/state` (counters per account, spec
violations), `POST /_emulator/faults` `{"spec": "...", "seed": 0}` (rules as inline text only: never a file
path), `POST /_emulator/reset`. Each needs the run's admin token (`Emulator.admin_token`, printed by
`ftops emulator serve`) in the `x-ftops-emulator-token` header. Every request must name a loopback Host, so a
web page that rebinds a DNS name to 127.0.0.1 cannot reach the emulator from a browser.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import secrets
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ftops.emulator.dataplane import DataPlane
from ftops.emulator.faults import Fault, FaultPlan
from ftops.emulator.http import Reply, Request, error, parse_body
from ftops.emulator.routes import ROUTES
from ftops.emulator.specs import V1_VERSION

ADMIN_PREFIX = "/_emulator/"
ADMIN_TOKEN_HEADER = "x-ftops-emulator-token"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
ACCOUNT_PREFIX = "/accounts/"
MAX_BODY_BYTES = 600 * 1024 * 1024  # above Azure's 512 MB file limit; anything bigger is refused


class Emulator:
    """The whole emulator: state, server thread, faults, and the list of spec violations seen."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        faults: str | FaultPlan | None = None,
        seed: int = 0,
        validate: bool = True,
        strict: bool = True,
        min_examples: int | None = None,
    ) -> None:
        from ftops.emulator.armplane import ArmPlane
        from ftops.emulator.mlplane import MlPlane

        if host not in LOOPBACK_HOSTS:
            raise ValueError("the emulator only listens on the loopback interface")
        self.host = host
        self.port = port
        self.strict = strict
        self.admin_token = secrets.token_urlsafe(24)  # per run: only who started it can steer it
        self.faults = faults if isinstance(faults, FaultPlan) else FaultPlan(faults or "", seed)
        if min_examples is None:
            from ftops.emulator.dataplane import model_rules  # the emulator's own data, not ftops' catalog

            min_examples = int(model_rules()["min_training_examples"])
        self.dataplane = DataPlane(min_examples)
        from ftops.emulator.uploads import AuthDelay, UploadsPlane

        self.uploads = UploadsPlane(self.dataplane)
        self.auth_delay = AuthDelay()  # role-propagation mode: 403 for a while (admin `auth-delay`)
        self.arm = ArmPlane(self.dataplane)
        from ftops.emulator.checkpoint_copy import CheckpointCopyPlane

        self.copies = CheckpointCopyPlane(self.dataplane, self.arm)  # checkpoint copy (preview), role assignments
        self.ml = MlPlane()
        from ftops.emulator.keyvault import KeyVaultPlane

        self.keyvault = KeyVaultPlane()  # deleted vaults, shaped as Microsoft's examples (no carried spec)
        from ftops.emulator.evals import EvalPlane

        self.evals = EvalPlane(self.dataplane, self.arm)  # /openai/evals: its own state and operationId table
        from ftops.emulator.specs import spec_book

        self.validate = validate
        self.book = spec_book()  # routing needs it even when nothing is checked
        self.violations: list[str] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- life cycle ----
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> Emulator:
        handler = type("Handler", (_Handler,), {"emulator": self})
        self._server = _Server((self.host, self.port), handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="ftops-emulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.uploads.close()

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- inspection ----
    def counters(self, account: str = "default") -> dict[str, int]:
        """What the server acted on for one account: uploads, imports, job_creations, job_cancels, ..."""
        with self.dataplane.lock:
            found = self.dataplane.accounts.get(account)
            return dict(found.counters) if found else {}

    def state(self) -> dict[str, Any]:
        with self.dataplane.lock:
            accounts = {
                name: {"counters": dict(a.counters), "files": len(a.files), "jobs": len(a.jobs)}
                for name, a in self.dataplane.accounts.items()
            }
        return {
            "accounts": accounts,
            "arm": self.arm.summary(),
            "ml": dict(self.ml.counters),
            "requests": self.requests,
            "violations": list(self.violations),
            "faults": self.faults.spec,
        }

    def set_faults(self, spec: str, seed: int | None = None) -> None:
        """Replace the fault rules with `spec` (inline rule text, never a file name)."""
        self.faults = FaultPlan(spec, self.faults.seed if seed is None else seed)

    def admin_headers(self) -> dict[str, str]:
        """Headers an admin request needs (tests and tools that steer a running emulator)."""
        return {ADMIN_TOKEN_HEADER: self.admin_token}

    def violation(self, text: str) -> None:
        with self._lock:
            self.violations.append(text)
        print(f"ftops emulator: SPEC VIOLATION: {text}", file=sys.stderr)

    # ---- one request ----
    def respond(self, request: Request) -> Reply:
        """Find the spec operation, check the request, dispatch to its handler, check the reply.

        The fault decision is taken by the HTTP handler around this."""
        if "authorization" not in request.headers and "api-key" not in request.headers:
            return self._arm_or_data_error(request, 401, "Unauthorized", "no bearer token or api-key was sent")
        if denied := self.auth_delay.deny(request):
            return denied
        if self.ml.owns(request):  # AzureML paths: checked against the ML contract (mfe.json is not saved)
            return self.ml.handle(request, self.violation)
        from ftops.emulator.uploads import graders_handle, owns_graders

        if owns_graders(request):  # no carried spec defines graders/validate and /run: the SDK's shapes
            with self.dataplane.lock:
                return graders_handle(request, self.dataplane.account(request.account).counters)
        if self.evals.owns(request):
            return self.evals.handle(request, self.violation, self.strict)
        if self.keyvault.owns(request):
            return self.keyvault.handle(request)
        if self.arm.is_monitor(request.path):  # ARM operation monitors: no saved spec defines them
            return self.arm.monitor(request)
        if request.path.startswith("/openai/v1/"):
            request.v1 = True
            request.path = "/openai/" + request.path[len("/openai/v1/") :]
        version = V1_VERSION if request.v1 else request.query.get("api-version")
        op = self.book.find(request.method, request.path, version)
        if op is None:
            problem = f"no operation {request.method} {request.path} in the specs"
            self.violation(f"request {request.method} {request.path}: {problem}")
            return self._arm_or_data_error(request, 400 if self.strict else 404, "SpecViolation", problem)
        if self.validate:
            problems = self.book.check_request(
                op, request.query, _checkable_body(request), request.content_type, v1=request.v1
            )
            if problems:
                self.violation(f"request {request.method} {request.path} ({op.operation_id}): {'; '.join(problems)}")
                if self.strict:
                    return self._arm_or_data_error(request, 400, "SpecViolation", "; ".join(problems))
        route = ROUTES.get((op.api, op.operation_id))
        if route is None:
            return self._arm_or_data_error(
                request, 501, "NotImplemented", f"the emulator does not serve {op.operation_id} ({op.api})"
            )
        plane, method = route
        target = {"dataplane": self.dataplane, "uploads": self.uploads, "copies": self.copies}.get(plane, self.arm)
        with target.lock:
            reply = getattr(target, method)(request, op.params(request.path))
        if self.validate and isinstance(reply.body, dict | list | type(None)):
            origin = request.base_url + (f"/accounts/{request.account}" if request.account != "default" else "")
            problems = self.book.check_response(op, reply.status, reply.body)
            problems += self.book.check_headers(op, reply.status, reply.headers, origin)
            if problems:
                self.violation(f"response {reply.status} to {request.method} {request.path}: {'; '.join(problems)}")
                if self.strict:
                    return error(500, "EmulatorSpecViolation", "; ".join(problems))
        return reply

    def fault_reply(self, request: Request, fault: Fault) -> Reply:
        codes = {408: "RequestTimeout", 429: "TooManyRequests", 500: "InternalServerError"}
        code = codes.get(fault.status or 500, "ServiceUnavailable")
        reply = self._arm_or_data_error(request, fault.status or 500, code, f"injected fault {fault.status}")
        reply.headers.update(dict(fault.headers))
        return reply

    @staticmethod
    def _arm_or_data_error(request: Request, status: int, code: str, message: str) -> Reply:
        if request.path.startswith("/openai/"):
            data_codes = {"TooManyRequests": "tooManyRequests", "Unauthorized": "unauthorized"}
            return error(status, data_codes.get(code, code[0].lower() + code[1:]), message)
        return error(status, code, message)


def _loopback_host(host: str | None) -> bool:
    """Whether a Host header names a loopback address (any port)."""
    if not host:
        return False
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 or host.startswith("[") else host
    return name.lower() in LOOPBACK_HOSTS or name.startswith("127.")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 drops connects when clients sweep regions in parallel


class _Handler(BaseHTTPRequestHandler):
    emulator: Emulator
    protocol_version = "HTTP/1.1"
    server_version = "ftops-emulator"

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests and --json stay clean
        return

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                total += size
                if total > MAX_BODY_BYTES:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        if length > MAX_BODY_BYTES:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        emulator = self.emulator
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            body = self._read_body()
        except ValueError:
            self._send(error(413, "RequestEntityTooLarge", "request body too large"), Fault())
            return
        if not _loopback_host(self.headers.get("host")):
            self._send(error(421, "MisdirectedRequest", "the emulator answers only for a loopback Host"), Fault())
            return
        if path.startswith(ADMIN_PREFIX):
            given = self.headers.get(ADMIN_TOKEN_HEADER) or ""
            if not hmac.compare_digest(given.encode(), emulator.admin_token.encode()):
                reply = error(401, "AdminTokenRequired", f"admin endpoints need this run's {ADMIN_TOKEN_HEADER}")
                self._send(reply, Fault())
                return
            self._send(self._admin(path, body), Fault())
            return
        account = "default"
        if path.startswith(ACCOUNT_PREFIX):
            _, _, rest = path[len(ACCOUNT_PREFIX) :].partition("/")
            account = path[len(ACCOUNT_PREFIX) :].split("/", 1)[0]
            path = "/" + rest
        headers = {k.lower(): v for k, v in self.headers.items()}
        host = self.headers.get("host") or f"{emulator.host}:{emulator.port}"
        request = Request(self.command, path, query, headers, body, account=account, base_url=f"http://{host}")
        parse_body(request)
        with emulator._lock:
            emulator.requests += 1
        # Rules name the ordinary `/openai/...` paths; they match the `/openai/v1/...` surface alike.
        fault = emulator.faults.decide(self.command, path.replace("/openai/v1/", "/openai/", 1))
        if fault.latency_ms:
            time.sleep(fault.latency_ms / 1000)
        if fault.drop_before:
            self._drop()
            return
        reply = emulator.fault_reply(request, fault) if fault.status else emulator.respond(request)
        if fault.drop_after:
            self._drop()
            return
        self._send(reply, fault)

    def _admin(self, path: str, body: bytes) -> Reply:
        emulator = self.emulator
        name = path[len(ADMIN_PREFIX) :]
        if name == "state" and self.command == "GET":
            return Reply(200, emulator.state())
        if name == "faults" and self.command == "POST":
            try:
                data = json.loads(body or b"{}")
                spec, seed = data.get("spec") or "", data.get("seed")
                if not isinstance(spec, str) or (seed is not None and not isinstance(seed, int)):
                    raise ValueError("spec must be rule text and seed an integer")
                emulator.set_faults(spec, seed)
            except Exception as exc:  # a bad spec is the caller's error, reported in the envelope
                return error(400, "BadFaultSpec", str(exc)[:500])
            return Reply(200, {"faults": emulator.faults.spec})
        if name == "auth-delay" and self.command == "POST":
            try:
                seconds = json.loads(body or b"{}").get("seconds")
                if not isinstance(seconds, int | float) or isinstance(seconds, bool) or not 0 <= seconds <= 3600:
                    raise ValueError("seconds must be a number from 0 to 3600")
            except Exception as exc:
                return error(400, "BadAuthDelay", str(exc)[:200])
            emulator.auth_delay.set(float(seconds))
            return Reply(200, {"auth_delay_seconds": seconds})
        if name == "reset" and self.command == "POST":
            emulator.dataplane.accounts.clear()
            emulator.arm.reset()
            emulator.copies.reset()
            emulator.ml.reset()
            emulator.keyvault.deleted.clear()
            emulator.evals.evals.clear()
            emulator.uploads.reset()
            emulator.auth_delay.set(0)
            emulator.violations.clear()
            return Reply(200, {"reset": True})
        return error(404, "NotFound", f"no admin endpoint {path}")

    def _send(self, reply: Reply, fault: Fault) -> None:
        payload = reply.encoded()
        try:
            self.send_response(reply.status)
            if payload or reply.status not in (204, 304):
                self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("x-ms-request-id", f"emulator-{time.monotonic_ns()}")
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if fault.slow_body_ms and payload:
                pieces = 10
                step = max(1, len(payload) // pieces)
                for start in range(0, len(payload), step):
                    self.wfile.write(payload[start : start + step])
                    self.wfile.flush()
                    time.sleep(fault.slow_body_ms / 1000 / pieces)
            else:
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _checkable_body(request: Request) -> Any:
    """The body as the spec sees it: JSON, or form fields with each file part standing for its binary string."""
    if request.form:
        return {k: (v[0] or "") if isinstance(v, tuple) else v for k, v in request.form.items()}
    return request.json
