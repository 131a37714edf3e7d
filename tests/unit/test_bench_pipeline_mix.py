"""The harness of the pipeline and mix bench phases (bench/pipeline.py, bench/mix.py) on
small inputs: what they count and print. The phases themselves run in `make bench`."""

from __future__ import annotations

from collections import Counter

from bench import mix, pipeline
from resource_api.core import ids


def test_the_mix_schedule_is_the_specs_mix_and_the_paper_estimate_adds_up():
    slots = mix.schedule()
    assert Counter(slots) == Counter(mix.MIX) == Counter({"get": 60, "list": 20, "create": 10, "update": 7, "delete": 3})
    assert slots == mix.schedule()  # a fixed shuffle
    # API Gateway + invoke + handler + one 4 ms read
    assert mix.aws_paper_ms("get") == mix.APIGW_MS + mix.LAMBDA_INVOKE_MS + mix.HANDLER_MS["get"] + mix.DDB_READ_MS
    assert {op: mix.aws_paper_ms(op) for op in mix.SPEC_MS} == {
        "list": 25.0, "get": 19.0, "create": 36.0, "update": 36.0, "delete": 35.0}


def test_the_mix_prints_every_endpoint_beside_the_spec():
    endpoints = {op: {"p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "spec_ms": dict(zip(("p50", "p95", "p99"), spec)),
                      "aws_paper_p50_ms": mix.aws_paper_ms(op)} for op, spec in mix.SPEC_MS.items()}
    text = mix.render({"mode": "m", "ok": 5, "requests": 5, "rps": 1.0, "load_average": "0.1/0.1/0.1",
                       "server_cpu_ms_per_request": {}, "endpoints": endpoints})
    for op, (a, b, c) in mix.SPEC_MS.items():
        assert any(line.startswith(op) and f"{a}/{b}/{c}" in line for line in text.splitlines()), op


def test_the_pipeline_counts_first_deliveries_duplicates_and_missing_ones():
    now_ms = 1_800_000_000_000
    made = [ids.new_id("res", now_ms + i) for i in range(3)]
    receiver = pipeline.Receiver.__new__(pipeline.Receiver)
    import threading

    receiver.lock = threading.Lock()
    receiver.got = [
        (now_ms / 1000 + 0.5, "resource.created", made[0], "evt_a"),
        (now_ms / 1000 + 0.9, "resource.created", made[0], "evt_a"),  # a duplicate
        (now_ms / 1000 + 1.5, "resource.created", made[1], "evt_b"),
        (now_ms / 1000 + 1.0, "resource.updated", made[2], "evt_c"),  # another type: not counted
    ]
    out = pipeline.summarize(receiver, made, started=now_ms / 1000, timeout_hit=True)
    assert (out["delivered"], out["duplicates"], out["missing"], out["timed_out"]) == (2, 1, 1, True)
    assert out["latency_p50_s"] in (0.5, 1.499) and out["latency_max_s"] >= 1.49
    text = pipeline.render({"burst": {**out, "creates": 3, "cpu_ms_per_delivery": {}, "load_average": "1/1/1"}})
    assert "burst: 2/3 delivered (1 duplicates)" in text and "FAIL" in text


def test_the_pipeline_and_the_mix_have_their_rows_in_the_targets_table():
    burst = {"delivered": 300, "creates": 300, "missing": 0, "deliveries_per_s": 120.0, "cpu_ms_per_delivery": {}}
    paced = {"delivered": 159, "creates": 160, "missing": 1, "latency_p99_s": 1.0, "cpu_ms_per_delivery": {}}
    rows = pipeline.targets({"burst": burst, "paced": paced})
    assert [(r["subject"], r["verdict"]) for r in rows] == [("burst", "PASS"), ("paced", "FAIL")]  # one never came
    slow = pipeline.targets({"burst": {**burst, "deliveries_per_s": 99.9}, "cut_off": "phase pipeline did not finish"})
    assert [(r["verdict"], r["figure"]) for r in slow] == [("FAIL", slow[0]["figure"]),
                                                           ("n/a", "phase pipeline did not finish")]

    def endpoint(op, p99):
        return {"p99_ms": p99, "within_spec_p99": p99 <= mix.SPEC_MS[op][2],
                "spec_ms": dict(zip(("p50", "p95", "p99"), mix.SPEC_MS[op]))}

    inside = {op: endpoint(op, spec[2]) for op, spec in mix.SPEC_MS.items()}
    result = {"endpoints": inside, "rps": 166.7, "ok": 2500, "requests": 2500}
    assert [r["verdict"] for r in mix.targets(result)] == ["PASS"]
    assert [r["verdict"] for r in mix.targets({**result, "ok": 2478})] == ["FAIL"]  # 22 answered 503
    late = mix.targets({**result, "endpoints": {**inside, "delete": endpoint("delete", 181.0)}})
    assert late[0]["verdict"] == "FAIL" and late[0]["subject"] == "4/5 endpoints inside"
    assert mix.targets({"na": "phase mix failed"})[0]["verdict"] == "n/a"


def test_a_scenario_that_did_not_settle_says_so_beside_its_cpu_figure():
    burst = {"delivered": 300, "creates": 300, "missing": 0, "duplicates": 0, "deliveries_per_s": 20.0,
             "settled": False, "seconds_until_settled": 45.0, "cpu_ms_per_resource_settled": {"moto server": 90.0}}
    text = pipeline.render({"burst": burst})
    assert "NOT settled" in text and "'moto server': 90.0" in text
    assert "NOT settled" not in pipeline.render({"burst": {**burst, "settled": True}})
    assert "moto server" in pipeline.targets({"burst": burst})[0]["figure"]


def test_the_moto_servers_cpu_by_operation_is_split_per_resource():
    before = {"process_cpu_s": 10.0, "http_cpu_s": 1.0, "ops": {"A": {"count": 10, "cpu_s": 1.0}}}
    after = {"process_cpu_s": 12.0, "http_cpu_s": 1.2,
             "ops": {"A": {"count": 30, "cpu_s": 1.4}, "B": {"count": 5, "cpu_s": 0.5}}}
    out = pipeline.opstats_delta(before, after, resources=10)
    assert out["operations"] == {"B": {"calls": 0.5, "ms": 50.0, "us_per_call": 100000},
                                 "A": {"calls": 2.0, "ms": 40.0, "us_per_call": 20000}}
    assert (out["total_ms"], out["requests_ms"], out["http_handling_ms"], out["outside_requests_ms"]) == (
        200.0, 90.0, 20.0, 90.0)
