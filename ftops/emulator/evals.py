"""Emulated Azure OpenAI Evals API (`/openai/evals`, runs, output items; aoai-authoring 2025-04-01-preview).

Routing is by the spec's operationId (`Evaluation_Create`, `Evaluation_GetRun`, ...: `HANDLERS`), the
operation found in the carried spec book. Request bodies and every reply are checked against the spec's
component schemas (`CreateEvalRequest`, `EvalRun`, ...), with one reading of the spec made explicit: where it
lists alternatives under `allOf` (a data source config, a grader, a message), they are alternatives (`anyOf`),
as its own titles and descriptions say; and the completions data source's `source.type` enum, which lists
schema names (`EvalJsonlFileContentSource`, ...), is read as "one of those schemas" (each with its own type:
file_content, file_id, stored_completions).

Model answers are deterministic and come from the data the emulator holds, never from ftops' code:
- a run's `model` is a deployment name on the account (ARM plane); the deployment's model answers;
- a fine-tuned model answers a prompt it was trained on (the last user message of a training example) with
  that example's last assistant message; a checkpoint at step S of a job whose last step is F knows the
  first N*S//F training examples in file order (later steps know more);
- anything else (a base model, an unseen prompt) answers by echoing the prompt.
Tokens are counted as whitespace-separated words. The clock is the reader: each GET of a run moves it
queued -> in_progress -> completed, and output items exist once it completed.

Graders: string_check (eq, ne, like = contains, ilike = contains ignoring case); text_similarity with
fuzzy_match (difflib's ratio), bleu (up to 4-grams, add-one smoothing, brevity penalty), gleu (min of n-gram
precision and recall, 1-4), meteor (unigram harmonic mean weighted to recall, fragmentation penalty),
rouge_1..rouge_5 (n-gram F1) and rouge_l (LCS F1), all over lower-cased words; score_model scores the
rouge_1 F1 of `{{sample.output_text}}` against the first `{{item.X}}` its prompt names, over its range;
label_model gives its first passing label when that F1 is at least 0.5, else its first other label. A
python grader is refused: this api-version's testing criteria do not list it.

Counters (per account, beside the data plane's): eval_creations, eval_run_creations, eval_run_cancels.
Jobs' `results.csv` comes from `results_csv` (per step; a validation loss that turns up after epoch 2).
"""

from __future__ import annotations

import copy
import difflib
import json
import math
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from ftops.emulator.http import Reply, Request, error

if TYPE_CHECKING:
    from ftops.emulator.armplane import ArmPlane
    from ftops.emulator.dataplane import DataPlane, JobRecord

SPEC_FILE = "aoai-authoring-2025-04-01-preview.json"
STEPS_PER_EPOCH = 10  # the data plane's clock: one checkpoint every 10 steps, one per epoch
OVERFIT_AFTER_EPOCH = 2  # with a validation file and more epochs than this, validation loss turns up
TEMPLATE = re.compile(r"\{\{\s*(item|sample)\.([\w.]+)\s*\}\}")


# ---- spec schemas (alternatives listed under allOf read as anyOf) ----
def _alternatives(node: Any) -> Any:
    if isinstance(node, list):
        return [_alternatives(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _alternatives(v) for k, v in node.items() if k not in ("discriminator", "example", "nullable")}
    if isinstance(out.get("allOf"), list) and len(out["allOf"]) > 1:
        out["anyOf"] = out.pop("allOf")
    return out


@cache
def _validator(component: str) -> Any:
    from importlib import resources

    from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    raw = json.loads(resources.files("ftops.emulator").joinpath("spec_files", SPEC_FILE).read_text(encoding="utf-8"))
    doc = _alternatives(raw)
    # The completions data source's `source.type` enum lists schema names; read it as those schemas.
    source = doc["components"]["schemas"]["CreateEvalCompletionsRunDataSource"]["properties"]
    named = source["source"]["properties"]["type"]["enum"]
    source["source"] = {"anyOf": [{"$ref": f"#/components/schemas/{name}"} for name in named]}
    registry: Registry[Any] = Registry().with_resource("urn:evals", DRAFT202012.create_resource(doc))
    return Draft202012Validator({"$ref": f"urn:evals#/components/schemas/{component}"}, registry=registry)


def schema_problems(component: str, instance: Any) -> list[str]:
    """What in `instance` does not match the spec's component schema (first five problems)."""
    found = sorted(_validator(component).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(str(p) for p in e.absolute_path) or 'body'}: {e.message[:200]}" for e in found[:5]]


# ---- text metrics ----
def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def _ngrams(tokens: list[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _f1(overlap: int, produced: int, wanted: int) -> float:
    if not overlap or not produced or not wanted:
        return 0.0
    precision, recall = overlap / produced, overlap / wanted
    return 2 * precision * recall / (precision + recall)


def rouge_n(output: str, reference: str, n: int) -> float:
    got, want = _ngrams(words(output), n), _ngrams(words(reference), n)
    return _f1(sum((got & want).values()), sum(got.values()), sum(want.values()))


def _lcs(a: list[str], b: list[str]) -> int:
    row = [0] * (len(b) + 1)
    for x in a:
        prev = 0
        for j, y in enumerate(b, start=1):
            prev, row[j] = row[j], prev + 1 if x == y else max(row[j], row[j - 1])
    return row[-1]


def similarity(metric: str, output: str, reference: str) -> float:
    """One text_similarity metric, 0..1."""
    out, ref = words(output), words(reference)
    if metric == "fuzzy_match":
        return difflib.SequenceMatcher(None, output, reference).ratio()
    if metric.startswith("rouge_") and metric[-1].isdigit():
        return rouge_n(output, reference, int(metric[-1]))
    if metric == "rouge_l":
        return _f1(_lcs(out, ref), len(out), len(ref))
    if metric == "bleu":
        if not out:
            return 0.0
        logs = []
        for n in range(1, 5):
            got, want = _ngrams(out, n), _ngrams(ref, n)
            logs.append(math.log((sum((got & want).values()) + 1) / (max(sum(got.values()), 0) + 1)))
        penalty = 1.0 if len(out) > len(ref) else math.exp(1 - len(ref) / len(out))
        return penalty * math.exp(sum(logs) / 4)
    if metric == "gleu":
        matched = produced = wanted = 0
        for n in range(1, 5):
            got, want = _ngrams(out, n), _ngrams(ref, n)
            matched += sum((got & want).values())
            produced += sum(got.values())
            wanted += sum(want.values())
        return min(matched / produced, matched / wanted) if produced and wanted else 0.0
    if metric == "meteor":
        matches = sum((Counter(out) & Counter(ref)).values())
        if not matches:
            return 0.0
        precision, recall = matches / len(out), matches / len(ref)
        fmean = 10 * precision * recall / (recall + 9 * precision)
        chunks = sum(1 for i, w in enumerate(out) if w in ref and (i == 0 or out[i - 1] not in ref))
        return fmean * (1 - 0.5 * (chunks / matches) ** 3)
    raise ValueError(metric)


# ---- results.csv ----
def results_csv(job: JobRecord, has_validation: bool) -> bytes:
    """The job's results file: Microsoft's columns, a row per step; validation columns with a validation file."""
    steps = job.epochs * STEPS_PER_EPOCH
    turn = OVERFIT_AFTER_EPOCH * STEPS_PER_EPOCH if job.epochs > OVERFIT_AFTER_EPOCH else steps
    header = "step,train_loss,train_mean_token_accuracy,valid_loss,validation_mean_token_accuracy"
    rows = [header + ",full_valid_loss,full_valid_mean_token_accuracy"]
    for step in range(1, steps + 1):
        loss = round(1.0 / (step / STEPS_PER_EPOCH + 1), 4)  # the checkpoints' train_loss at epoch ends
        cells = [str(step), f"{loss}", f"{round(1 - loss / 2, 4)}"]
        if has_validation:
            valid = 1.0 / (min(step, turn) / STEPS_PER_EPOCH + 1) + 0.05 + 0.02 * max(0, step - turn)
            full = [f"{round(valid, 4)}", f"{round(1 - valid / 2, 4)}"] if step % STEPS_PER_EPOCH == 0 else ["", ""]
            cells += [f"{round(valid, 4)}", f"{round(1 - valid / 2, 4)}", *full]
        else:
            cells += ["", "", "", ""]
        rows.append(",".join(cells))
    return ("\n".join(rows) + "\n").encode()


# ---- state ----
def _now() -> int:
    return int(time.time())


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return ""


def _lookup(namespace: dict, dotted: str) -> Any:
    value: Any = namespace
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def render(template: Any, item: dict, sample: dict) -> str:
    """`{{item.x}}` / `{{sample.output_text}}` substituted (missing fields render empty)."""

    def value(match: re.Match[str]) -> str:
        found = _lookup(item if match[1] == "item" else sample, match[2])
        return found if isinstance(found, str) else ("" if found is None else json.dumps(found))

    return TEMPLATE.sub(value, _text(template))


@dataclass
class EvalRecord:
    body: dict
    id: str
    created_at: int
    runs: dict[str, RunRecord] = field(default_factory=dict)

    def view(self) -> dict:
        config = self.body["data_source_config"]
        properties: dict[str, Any] = {"item": config.get("item_schema") or {}}
        if config.get("include_sample_schema"):
            properties["sample"] = {"type": "object"}
        schema = {"type": "object", "properties": properties, "required": ["item"]}
        return {
            "object": "eval",
            "id": self.id,
            "name": self.body.get("name") or "",
            "created_at": self.created_at,
            "metadata": dict(self.body.get("metadata") or {}),
            "data_source_config": {"type": "custom", "schema": schema},
            "testing_criteria": copy.deepcopy(self.body["testing_criteria"]),
        }


@dataclass
class RunRecord:
    eval_id: str
    id: str
    body: dict
    created_at: int
    status: str = "queued"
    error: dict = field(default_factory=lambda: {"code": "", "message": ""})
    items: list[dict] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    criteria: list[dict] = field(default_factory=list)

    def view(self) -> dict:
        passed = sum(1 for i in self.items if i["status"] == "pass")
        return {
            "object": "eval.run",
            "id": self.id,
            "eval_id": self.eval_id,
            "status": self.status,
            "model": str(self.body["data_source"].get("model") or ""),
            "name": str(self.body.get("name") or ""),
            "created_at": self.created_at,
            "report_url": f"https://ai.azure.com/evaluation/{self.eval_id}/run/{self.id}",
            "result_counts": {
                "total": len(self.items),
                "errored": 0,
                "failed": len(self.items) - passed,
                "passed": passed,
            },
            "per_model_usage": [self.usage] if self.usage else [],
            "per_testing_criteria_results": list(self.criteria),
            "data_source": copy.deepcopy(self.body["data_source"]),
            "metadata": dict(self.body.get("metadata") or {}),
            "error": dict(self.error),
        }


def _page(items: list[dict], request: Request) -> dict:
    try:
        limit = max(1, min(int(request.query.get("limit") or 20), 100))
    except ValueError:
        limit = 20
    if request.query.get("order") == "desc":
        items = list(reversed(items))
    after = request.query.get("after")
    ids = [i["id"] for i in items]
    start = ids.index(after) + 1 if after in ids else (len(items) if after else 0)
    chunk = items[start : start + limit]
    return {
        "object": "list",
        "data": chunk,
        "first_id": chunk[0]["id"] if chunk else "",
        "last_id": chunk[-1]["id"] if chunk else "",
        "has_more": start + limit < len(items),
    }


HANDLERS = {
    "Evaluation_GetList": "list_evals",
    "Evaluation_Create": "create_eval",
    "Evaluation_Get": "get_eval",
    "Evaluation_Update": "update_eval",
    "Evaluation_Delete": "delete_eval",
    "Evaluation_GetRunList": "list_runs",
    "Evaluation_CreateRun": "create_run",
    "Evaluation_GetRun": "get_run",
    "Evaluation_CancelRun": "cancel_run",
    "Evaluation_DeleteRun": "delete_run",
    "Evaluation_GetRunOutputItems": "list_output_items",
    "Evaluation_GetRunOutputItem": "get_output_item",
}
REPLY_SCHEMAS = {"eval": "Eval", "eval.run": "EvalRun", "eval.run.output_item": "EvalRunOutputItem"}


class EvalPlane:
    """Evals per account, answering with the deployments (ARM plane) and training data (data plane) it sees."""

    def __init__(self, dataplane: DataPlane, arm: ArmPlane) -> None:
        self.dataplane = dataplane
        self.arm = arm
        self.lock = dataplane.lock  # one lock: answers read the data plane's jobs and files
        self.evals: dict[str, dict[str, EvalRecord]] = {}

    def owns(self, request: Request) -> bool:
        path = request.path.replace("/openai/v1/", "/openai/", 1)
        return path == "/openai/evals" or path.startswith("/openai/evals/")

    def handle(self, request: Request, violation: Any, strict: bool = True) -> Reply:
        """Find the spec operation, check the request, dispatch by operationId, check the reply."""
        from ftops.emulator.specs import spec_book

        book = spec_book()
        path = request.path.replace("/openai/v1/", "/openai/", 1)
        op = next(
            (
                o
                for o in book.operations
                if o.spec == SPEC_FILE and o.method == request.method and o.pattern.match(path)
            ),
            None,
        )
        if op is None:
            violation(f"request {request.method} {request.path}: no operation in the specs")
            return error(400 if strict else 404, "specViolation", f"no operation {request.method} {request.path}")
        problems = [] if request.v1 else book.check_request(op, request.query, None, request.content_type)
        body = request.json if isinstance(request.json, dict) else {}
        component = {"Evaluation_Create": "CreateEvalRequest", "Evaluation_CreateRun": "CreateEvalRunRequest"}
        if op.operation_id in component:
            problems += schema_problems(component[op.operation_id], body)
        if problems:
            violation(f"request {request.method} {request.path} ({op.operation_id}): {'; '.join(problems)}")
            if strict:
                return error(400, "specViolation", "; ".join(problems))
        names = re.findall(r"\{([^}]+)\}", op.template)
        match = op.pattern.match(path)
        params = dict(zip((n.replace("-", "_") for n in names), match.groups() if match else (), strict=False))
        with self.lock:
            reply = getattr(self, HANDLERS[op.operation_id])(request, params, body)
        if isinstance(reply.body, dict) and reply.status < 400:
            checked = [reply.body] if reply.body.get("object") != "list" else reply.body["data"]
            wrong = [
                p
                for b in checked
                if b.get("object") in REPLY_SCHEMAS
                for p in schema_problems(REPLY_SCHEMAS[b["object"]], b)
            ]
            if wrong:
                violation(f"response {reply.status} to {request.method} {request.path}: {'; '.join(wrong)}")
                if strict:
                    return error(500, "emulatorSpecViolation", "; ".join(wrong))
        return reply

    # ---- evals ----
    def _evals(self, request: Request) -> dict[str, EvalRecord]:
        return self.evals.setdefault(request.account, {})

    def _eval(self, request: Request, p: dict) -> EvalRecord | Reply:
        found = self._evals(request).get(p.get("eval_id", ""))
        return found if found is not None else error(404, "notFound", f"eval {p.get('eval_id')} not found")

    def list_evals(self, request: Request, p: dict, body: dict) -> Reply:
        return Reply(200, _page([e.view() for e in self._evals(request).values()], request))

    def create_eval(self, request: Request, p: dict, body: dict) -> Reply:
        config = body.get("data_source_config") or {}
        if config.get("type") != "custom":
            return error(
                400, "invalidPayload", "data_source_config.type must be custom here", param="data_source_config"
            )
        for index, grader in enumerate(body.get("testing_criteria") or []):
            refusal = _grader_refusal(grader, index)
            if refusal:
                return error(400, "invalidPayload", refusal, param=f"testing_criteria[{index}]")
        if not body.get("testing_criteria"):
            return error(400, "invalidPayload", "testing_criteria needs at least one grader", param="testing_criteria")
        record = EvalRecord(body=copy.deepcopy(body), id=f"eval_{uuid.uuid4().hex[:24]}", created_at=_now())
        self._evals(request)[record.id] = record
        self.dataplane.account(request.account).counters["eval_creations"] += 1
        return Reply(201, record.view())

    def get_eval(self, request: Request, p: dict, body: dict) -> Reply:
        found = self._eval(request, p)
        return found if isinstance(found, Reply) else Reply(200, found.view())

    def update_eval(self, request: Request, p: dict, body: dict) -> Reply:
        found = self._eval(request, p)
        if isinstance(found, Reply):
            return found
        for key in ("name", "metadata"):
            if key in body:
                found.body[key] = body[key]
        return Reply(200, found.view())

    def delete_eval(self, request: Request, p: dict, body: dict) -> Reply:
        found = self._eval(request, p)
        if isinstance(found, Reply):
            return found
        del self._evals(request)[found.id]
        return Reply(200, {"object": "eval.deleted", "deleted": True, "eval_id": found.id})

    # ---- runs ----
    def _run(self, request: Request, p: dict) -> RunRecord | Reply:
        found = self._eval(request, p)
        if isinstance(found, Reply):
            return found
        run = found.runs.get(p.get("run_id", ""))
        return run if run is not None else error(404, "notFound", f"run {p.get('run_id')} not found")

    def list_runs(self, request: Request, p: dict, body: dict) -> Reply:
        found = self._eval(request, p)
        if isinstance(found, Reply):
            return found
        runs = [r.view() for r in found.runs.values()]
        if status := request.query.get("status"):
            runs = [r for r in runs if r["status"] == status]
        return Reply(200, _page(runs, request))

    def create_run(self, request: Request, p: dict, body: dict) -> Reply:
        found = self._eval(request, p)
        if isinstance(found, Reply):
            return found
        source = body["data_source"]
        if source.get("type") != "completions" or (source.get("source") or {}).get("type") != "file_content":
            return error(
                400, "invalidPayload", "this emulator runs completions over file_content sources", param="data_source"
            )
        schema = found.body["data_source_config"].get("item_schema") or {}
        from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

        checker = Draft202012Validator(schema)
        for index, row in enumerate(source["source"].get("content") or []):
            wrong = next(iter(checker.iter_errors(row.get("item"))), None)
            if wrong is not None:
                message = f"content[{index}].item does not match the eval's item_schema: {wrong.message[:200]}"
                return error(400, "invalidPayload", message, param="data_source.source.content")
        run = RunRecord(found.id, f"evalrun_{uuid.uuid4().hex[:24]}", copy.deepcopy(body), _now())
        found.runs[run.id] = run
        self.dataplane.account(request.account).counters["eval_run_creations"] += 1
        return Reply(201, run.view())

    def get_run(self, request: Request, p: dict, body: dict) -> Reply:
        run = self._run(request, p)
        if isinstance(run, Reply):
            return run
        if run.status == "queued":
            run.status = "in_progress"
        elif run.status == "in_progress":
            self._complete(request, run)
        return Reply(200, run.view())

    def cancel_run(self, request: Request, p: dict, body: dict) -> Reply:
        run = self._run(request, p)
        if isinstance(run, Reply):
            return run
        if run.status in ("queued", "in_progress"):
            run.status = "canceled"
        self.dataplane.account(request.account).counters["eval_run_cancels"] += 1
        return Reply(200, run.view())

    def delete_run(self, request: Request, p: dict, body: dict) -> Reply:
        run = self._run(request, p)
        if isinstance(run, Reply):
            return run
        found = self._eval(request, p)
        assert not isinstance(found, Reply)
        del found.runs[run.id]
        return Reply(200, {"object": "eval.run.deleted", "deleted": True, "run_id": run.id})

    def list_output_items(self, request: Request, p: dict, body: dict) -> Reply:
        run = self._run(request, p)
        if isinstance(run, Reply):
            return run
        items = run.items
        if status := request.query.get("status"):
            items = [i for i in items if i["status"] == status]
        return Reply(200, _page(items, request))

    def get_output_item(self, request: Request, p: dict, body: dict) -> Reply:
        run = self._run(request, p)
        if isinstance(run, Reply):
            return run
        found = next((i for i in run.items if i["id"] == p.get("output_item_id")), None)
        return (
            Reply(200, found) if found else error(404, "notFound", f"output item {p.get('output_item_id')} not found")
        )

    # ---- answering and grading ----
    def _deployed_model(self, account: str, deployment: str) -> str | None:
        for (_, _, name), deployments in self.arm.deployments.items():
            if name == account and deployment in deployments:
                model = ((deployments[deployment].get("properties") or {}).get("model") or {}).get("name")
                return str(model) if model else None
        return None

    def _knowledge(self, model: str) -> dict[str, str]:
        """What a fine-tuned model or checkpoint learned: prompt -> answer (empty for a base model)."""
        for account in self.dataplane.accounts.values():
            for job in account.jobs.values():
                names = {c["fine_tuned_model_checkpoint"]: c["step_number"] for c in job.checkpoints}
                if model != job.fine_tuned_model and model not in names:
                    continue
                training = account.files.get(job.body["training_file"])
                pairs = _pairs(training.content if training else b"")
                last = job.epochs * STEPS_PER_EPOCH
                known = len(pairs) if model == job.fine_tuned_model else len(pairs) * int(names[model]) // last
                return dict(pairs[:known])
        return {}

    def _complete(self, request: Request, run: RunRecord) -> None:
        found = self._evals(request)[run.eval_id]
        source = run.body["data_source"]
        deployment = str(source.get("model") or "")
        model = self._deployed_model(request.account, deployment)
        if model is None:
            run.status = "failed"
            run.error = {"code": "DeploymentNotFound", "message": f"The deployment {deployment} does not exist."}
            return
        known = self._knowledge(model)
        params = source.get("sampling_params") or {}
        graders = found.body["testing_criteria"]
        tallies = {g["name"]: [0, 0] for g in graders}
        usage = Counter[str]()
        for index, row in enumerate(source["source"].get("content") or []):
            item = row.get("item") or {}
            messages = _input_messages(source.get("input_messages") or {}, item)
            prompt = next((m["content"] for m in reversed(messages) if m["role"] == "user"), "")
            answer = known.get(prompt, prompt)
            sample = {"output_text": answer}
            results = [_grade(g, item, sample) for g in graders]
            for result in results:
                tallies[result["name"]][0 if result["passed"] else 1] += 1
            prompt_tokens = sum(len(m["content"].split()) for m in messages)
            completion_tokens = len(answer.split())
            usage.update(prompt_tokens=prompt_tokens, completion_tokens=completion_tokens, invocation_count=1)
            run.items.append(
                {
                    "object": "eval.run.output_item",
                    "id": f"outputitem_{uuid.uuid4().hex[:24]}",
                    "run_id": run.id,
                    "eval_id": run.eval_id,
                    "created_at": _now(),
                    "status": "pass" if all(r["passed"] for r in results) else "fail",
                    "datasource_item_id": index,
                    "datasource_item": item,
                    "results": results,
                    "sample": {
                        "input": messages,
                        "output": [{"role": "assistant", "content": answer}],
                        "finish_reason": "stop",
                        "model": model,
                        "usage": {
                            "total_tokens": prompt_tokens + completion_tokens,
                            "completion_tokens": completion_tokens,
                            "prompt_tokens": prompt_tokens,
                            "cached_tokens": 0,
                        },
                        "error": {"code": "", "message": ""},
                        "temperature": float(params.get("temperature", 1)),
                        "max_completion_tokens": int(params.get("max_completion_tokens", 2048)),
                        "top_p": float(params.get("top_p", 1)),
                        "seed": int(params.get("seed", 42)),
                    },
                }
            )
        run.usage = {
            "model_name": model,
            "invocation_count": usage["invocation_count"],
            "prompt_tokens": usage["prompt_tokens"],
            "completion_tokens": usage["completion_tokens"],
            "total_tokens": usage["prompt_tokens"] + usage["completion_tokens"],
            "cached_tokens": 0,
        }
        run.criteria = [{"testing_criteria": name, "passed": t[0], "failed": t[1]} for name, t in tallies.items()]
        run.status = "completed"


def _pairs(content: bytes) -> list[tuple[str, str]]:
    """(last user message, last assistant message) per chat training example, in file order."""
    pairs = []
    for line in content.decode("utf-8-sig", "replace").splitlines():
        try:
            example = json.loads(line)
        except ValueError:
            continue
        messages = example.get("messages") if isinstance(example, dict) else None
        if not isinstance(messages, list):
            continue
        last = max(
            (i for i, m in enumerate(messages) if isinstance(m, dict) and m.get("role") == "assistant"), default=None
        )
        if last is None:
            continue
        users = [m for m in messages[:last] if isinstance(m, dict) and m.get("role") == "user"]
        if users:
            pairs.append((_text(users[-1].get("content")), _text(messages[last].get("content"))))
    return pairs


def _input_messages(spec: dict, item: dict) -> list[dict[str, str]]:
    if spec.get("type") == "item_reference":
        found = _lookup({"item": item}, str(spec.get("item_reference") or ""))
        messages = found if isinstance(found, list) else [{"role": "user", "content": _text(found)}]
        return [
            {"role": str(m.get("role", "user")), "content": _text(m.get("content"))}
            for m in messages
            if isinstance(m, dict)
        ]
    return [
        {"role": str(m.get("role", "user")), "content": render(m.get("content"), item, {})}
        for m in spec.get("template") or []
    ]


def _grader_refusal(grader: dict, index: int) -> str | None:
    kind = grader.get("type")
    if kind == "python":
        return f"testing_criteria[{index}]: python graders are not available in api-version 2025-04-01-preview"
    if kind not in ("string_check", "text_similarity", "score_model", "label_model"):
        return f"testing_criteria[{index}].type {kind!r} is not a grader type"
    if not grader.get("name"):
        return f"testing_criteria[{index}] needs a name"
    return None


def _grade(grader: dict, item: dict, sample: dict) -> dict:
    kind = grader["type"]
    name = grader["name"]
    if kind == "string_check":
        given, wanted = render(grader["input"], item, sample), render(grader["reference"], item, sample)
        operation = grader["operation"]
        passed = {
            "eq": given == wanted,
            "ne": given != wanted,
            "like": wanted in given,
            "ilike": wanted.lower() in given.lower(),
        }[operation]
        return {"name": name, "type": kind, "score": 1.0 if passed else 0.0, "passed": passed}
    if kind == "text_similarity":
        given, wanted = render(grader["input"], item, sample), render(grader["reference"], item, sample)
        score = round(similarity(grader["evaluation_metric"], given, wanted), 6)
        return {"name": name, "type": kind, "score": score, "passed": score >= float(grader["pass_threshold"])}
    prompt = " ".join(_text(m.get("content")) for m in grader.get("input") or [] if isinstance(m, dict))
    field_ref = next((m[2] for m in TEMPLATE.finditer(prompt) if m[1] == "item"), None)
    reference = _text(_lookup(item, field_ref)) if field_ref else ""
    overlap = rouge_n(sample["output_text"], reference, 1)
    if kind == "score_model":
        low, high = (grader.get("range") or [0, 1])[:2]
        score = round(low + (high - low) * overlap, 6)
        threshold = grader.get("pass_threshold")
        return {"name": name, "type": kind, "score": score, "passed": threshold is None or score >= threshold}
    labels, passing = list(grader["labels"]), list(grader["passing_labels"])
    others = [label for label in labels if label not in passing] or labels
    label = passing[0] if overlap >= 0.5 else others[0]
    return {
        "name": name,
        "type": kind,
        "score": 1.0 if label in passing else 0.0,
        "passed": label in passing,
        "label": label,
    }
