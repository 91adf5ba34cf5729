"""The argument list of a continued launch, as the continue_ft tests send it to `ftops`."""

from __future__ import annotations

from pathlib import Path


def continuing(outputs: Path, parent: str, train: Path, *extra: str, method: str = "dpo") -> list[str]:
    """`ftops launch --outputs O --from PARENT --method M --train T [extra...]`."""
    return ["launch", "--outputs", str(outputs), "--from", parent, "--method", method, "--train", str(train), *extra]
