"""Property-based fuzz run of the JSON API (issue 17): schemathesis generates requests from /openapi.json, valid
and invalid, for every /api/v1 GET endpoint and every page's .json twin, sends them in-process to the ASGI app
over the small demo, and checks each answer: never a 5xx, a status code the operation declares, a declared
content type, and a body that matches the declared schema (the response model, or ErrorBody for errors).

Bounded and reproducible: `MAX_EXAMPLES` per operation and phase, derandomized, no example database. Random
strings almost never name a real chain, node, district or firm, so the run's copy of the schema lets each such
parameter be either one of the demo's real values or anything the declared schema allows (`anyOf`): the
fuzzer reaches the computations behind a real id as well as the 404s around it.

Left out: POST /api/v1/data/imports, which starts an import job (a background thread writing a new batch into
the store) for every accepted upload; random multipart bodies would mostly be refused as unsupported files and
the rest would turn the shared demo store into a moving target for every other test. The upload's refusals
(size, type, empty file, bad year, bad form) have exact tests in tests/web/test_api_data.py.
"""

from __future__ import annotations

import collections
import os
import re

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

# per operation and phase; CHANYE_FUZZ_EXAMPLES=200 for a deeper run by hand
MAX_EXAMPLES = int(os.environ.get("CHANYE_FUZZ_EXAMPLES", "15"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CONFIG = {
    "request-timeout": 300,  # a cold computation (a chain board, a workbook) on 2 busy CPUs takes more than 10 s
    "generation": {"mode": "all", "deterministic": True, "database": "none", "max-examples": MAX_EXAMPLES},
    "phases": {"examples": {"enabled": True}, "coverage": {"enabled": True}, "fuzzing": {"enabled": True},
               "stateful": {"enabled": False}},
}
CALLS: collections.Counter[str] = collections.Counter()


def real_values(app, client) -> dict[str, list[str]]:
    """Real values of the parameters that name things, from the demo (a few of each)."""
    fw = app.state.ctx.framework
    city = fw.city
    districts = [d.code for d in city.districts[:3]]
    nodes = [n.id for n in fw.industry_nodes()[:4]] + [n.id for n in fw.nodes if n.parent is None][:1]
    chain = fw.chains[0]
    search = client.get("/api/v1/enterprises", params={"per_page": 3}).json()
    return {
        "chain_id": [c.id for c in fw.chains[:2]] + [chain.cluster],
        "node_id": nodes,
        "chain_node_id": [n.id for n in chain.nodes[:3]],
        "adcode": [city.code, *districts],
        "uscc": [row["uscc"] for row in search["rows"]],
        "district": [*districts, city.districts[0].name],
        "city": [city.code],
        "year": search["years"][-2:],
        "place": [city.districts[0].name, districts[1]],
        "area": districts[:2],
        "node": nodes,
    }


def seeded(spec: dict, values: dict[str, list[str]]) -> dict:
    """The schema with each naming parameter's schema widened to `anyOf: [its real values, its own schema]`."""
    for path, methods in spec["paths"].items():
        for op in methods.values():
            for param in op.get("parameters", []):
                key = "chain_node_id" if path.startswith("/api/v1/chains/") and param["name"] == "node_id" \
                    else param["name"]
                if key not in values:
                    continue
                pattern = param["schema"].get("pattern") or param["schema"].get("anyOf", [{}])[0].get("pattern")
                fits = [v for v in values[key] if pattern is None or re.fullmatch(pattern, str(v))]
                if not fits:
                    continue
                param["schema"] = {"anyOf": [{"enum": fits}, param["schema"]]}
    return spec


@pytest.fixture(scope="module")
def api_schema(app, client):
    spec = seeded(client.get("/openapi.json").json(), real_values(app, client))
    schema = schemathesis.openapi.from_dict(spec, config=schemathesis.config.SchemathesisConfig.from_dict(CONFIG))
    schema.app = app  # requests go in-process to the ASGI app
    return schema


# CHANYE_FUZZ_PATHS (a regex) widens or narrows the run by hand, e.g. "." to add the HTML pages
PATHS = os.environ.get("CHANYE_FUZZ_PATHS", r"^/api/v1/|\.json$")
schema = (schemathesis.pytest.from_fixture("api_schema")
          .include(path_regex=PATHS)
          .exclude(method="POST", path="/api/v1/data/imports")
          # these import into the shared test database (their own tests use a private copy)
          .exclude(method="POST", path="/api/v1/data/projects/imports")
          .exclude(method="POST", path="/api/v1/data/transformation/imports")
          .exclude(method="POST", path="/api/v1/data/review/imports"))


@pytest.fixture(autouse=True)
def _node_id_shim(request):
    """schemathesis 4.32's lazy-schema runner reads and writes `item._nodeid` (to name each operation's subtest),
    which pytest 9 no longer has: give it one."""
    if not hasattr(request.node, "_nodeid"):
        request.node._nodeid = request.node.nodeid


@pytest.fixture(scope="module", autouse=True)
def _report_calls():
    yield
    if CALLS:
        print(f"\nfuzz: {len(CALLS)} operations, {sum(CALLS.values())} requests", dict(sorted(CALLS.items())))


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
def test_api_answers_every_generated_request_as_declared(case) -> None:
    CALLS[f"{case.method} {case.path}"] += 1
    case.call_and_validate(checks=CHECKS)


def test_the_run_reached_every_get_operation(client) -> None:
    """The filter and the schema loader dropped nothing: every GET operation the run covers got requests."""
    if not CALLS:
        pytest.skip("the fuzz run was not selected in this session")
    spec = client.get("/openapi.json").json()
    expected = {f"GET {path}" for path, ops in spec["paths"].items() if "get" in ops and re.search(PATHS, path)}
    reached = {key for key in CALLS if key.startswith("GET ")}
    assert reached == expected
    # an operation without parameters has only a handful of distinct requests; every other one gets more
    assert min(CALLS[key] for key in expected) >= 3
