"""Constants shared by the limits tests (a plain module: `conftest` names clash across test folders)."""

from __future__ import annotations

import stack_outputs

from ftops.azure.transport import RetryPolicy

ENDPOINT = "https://acct1.openai.azure.com/"
FAST = RetryPolicy(backoff_base=0.005, backoff_max=0.05, budget_seconds=10)
LINE = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n'
OUTPUTS = stack_outputs.outputs([("swedencentral", "aisse")])
