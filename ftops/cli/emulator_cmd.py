"""`ftops emulator serve`: the local, spec-checked Azure emulator on 127.0.0.1."""

from __future__ import annotations

from typing import Annotated

import typer

from ftops.cli.render import JSON_HELP

app = typer.Typer(help="The local Azure emulator (ARM, Azure OpenAI and AzureML), for demos and tests.")


@app.command("serve")
def serve(
    port: Annotated[
        int, typer.Option("--port", "-p", min=0, max=65535, help="Port on 127.0.0.1 (0 picks a free one).")
    ] = 8765,
    faults: Annotated[
        str | None,
        typer.Option("--faults", help="Fault rules, or @FILE. e.g. 'latency ms=200; 429 on=POST:/openai/files nth=1'."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Seed for probabilistic fault rules (p=...).")] = 0,
    strict: Annotated[
        bool, typer.Option("--strict/--lenient", help="Answer spec violations with an error (default) or only log.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Serve emulated Azure on 127.0.0.1 until Ctrl-C; point ftops at it with FTOPS_AZURE_EMULATOR.

    Every request and response is checked against the official Azure REST specs.

    Example:
      ftops emulator serve --port 8765 --faults "latency ms=50; 503 on=GET:* p=0.05" --seed 7
      export FTOPS_AZURE_EMULATOR=http://127.0.0.1:8765
    """
    import threading

    from ftops.cli import render
    from ftops.emulator.faults import FaultPlan
    from ftops.emulator.server import ADMIN_TOKEN_HEADER, Emulator
    from ftops.emulator.specs import SPECS_ENV, SpecsNotFound
    from ftops.errors import UsageError

    try:
        emulator = Emulator(port=port, faults=FaultPlan.load(faults, seed), seed=seed, strict=strict)
    except SpecsNotFound as exc:
        raise UsageError(str(exc), hint=f"point {SPECS_ENV} at the folder holding the Azure REST spec files") from None
    try:
        emulator.start()  # binds first, so the URL printed is the real one (port 0 picks a free port)
    except OSError as exc:
        raise UsageError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror})", hint="pass --port 0") from None
    info = {
        "url": emulator.url,
        "env": f"FTOPS_AZURE_EMULATOR={emulator.url}",
        "faults": emulator.faults.spec,
        "admin_token": emulator.admin_token,
        "admin_header": ADMIN_TOKEN_HEADER,
    }
    if as_json:
        render.print_json(info)
    else:
        render.note(f"ftops emulator listening on {emulator.url} (Ctrl-C stops it)")
        render.note(f"  export {info['env']}")
        render.note(f"  admin endpoints (/_emulator/...) need the header {ADMIN_TOKEN_HEADER}: {emulator.admin_token}")
        if emulator.faults.spec:
            render.note(f"  faults: {emulator.faults.spec}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        render.note("emulator stopped")
    finally:
        emulator.stop()
