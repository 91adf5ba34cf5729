"""Pulumi's entry point for this project: runs the program in infra/__main__.py (the ftops_infra package).

The project root is the program directory on purpose. The engine starts dynamic providers (VmQuota) with
the program directory as working directory and resolves `virtualenv: .venv` against it, while the language
host resolves it against the project root (pulumi/pulumi#7061). With `main: infra/` the provider looked for
infra/.venv and could not start; with the program here, both find the project's .venv.
"""

import runpy
from pathlib import Path

runpy.run_path(str(Path(__file__).resolve().parent / "infra" / "__main__.py"), run_name="__main__")
