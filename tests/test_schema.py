import pytest

from leaderboard.schema import SchemaError, parse_board_schema


def minimal_schema(**overrides) -> dict:
    raw = {
        "id": "toy",
        "title": "Toy board",
        "description": "A board for tests.",
        "citation": "Nobody 2026",
        "source": "made up",
        "license": "CC0",
        "model_key": "the model name",
        "aggregate": {"rule": "mean"},
        "metadata": ["params_b", "flagged"],
        "benchmarks": [
            {"id": "a", "name": "A", "higher_is_better": True, "unit": "%", "scale": "0-100", "range": [0, 100], "chance": 25, "ceiling": 100},
            {"id": "b", "name": "B", "higher_is_better": True, "unit": "%", "scale": "0-100", "range": [0, 100]},
        ],
    }
    raw.update(overrides)
    return raw


def test_schema_valid_parses():
    schema = parse_board_schema(minimal_schema())
    assert schema.benchmark_ids == ["a", "b"]
    assert schema.benchmark("a").scale.chance == 25.0
    assert schema.aggregate == "mean"
    assert not schema.has_raw_scores


def test_schema_reports_every_problem():
    raw = minimal_schema(
        title="",
        aggregate={"rule": "median"},
        metadata=["params_b", "shoe_size"],
        benchmarks=[
            {"id": "a", "name": "A", "higher_is_better": "yes", "range": [0, 100]},
            {"id": "Bad Id", "higher_is_better": True},
            {"id": "c", "higher_is_better": True, "range": [100, 0]},
            {"id": "d", "higher_is_better": True, "range": [0, 1], "chance": 2},
        ],
    )
    with pytest.raises(SchemaError) as caught:
        parse_board_schema(raw, source="toy.yaml")
    problems = "\n".join(caught.value.problems)
    assert "title: missing or empty" in problems
    assert "'median' is not one of" in problems
    assert "unknown column 'shoe_size'" in problems
    assert "benchmarks[a].higher_is_better" in problems
    assert "'Bad Id'" in problems
    assert "low 100.0 is not below high 0.0" in problems
    assert "chance 2.0 lies outside the range" in problems
    assert "toy.yaml" in str(caught.value)


def test_schema_duplicate_benchmark_ids():
    bench = {"id": "a", "higher_is_better": True, "range": [0, 1]}
    with pytest.raises(SchemaError, match="declared more than once"):
        parse_board_schema(minimal_schema(benchmarks=[bench, bench]))


def test_schema_category_mean_needs_categories():
    with pytest.raises(SchemaError, match="category_mean needs a category"):
        parse_board_schema(minimal_schema(aggregate={"rule": "category_mean"}))


def test_schema_not_a_mapping():
    with pytest.raises(SchemaError, match="expected a mapping"):
        parse_board_schema(["not", "a", "mapping"])


def schema_problems(**overrides) -> str:
    with pytest.raises(SchemaError) as caught:
        parse_board_schema(minimal_schema(**overrides))
    return "\n".join(caught.value.problems)


def test_schema_board_id_rejects_slash():
    assert "id: 'org/toy'" in schema_problems(id="org/toy")


def test_schema_benchmark_id_allows_slash():
    bench = {"id": "emp/h3", "higher_is_better": True, "range": [0, 1]}
    schema = parse_board_schema(minimal_schema(benchmarks=[bench]))
    assert schema.benchmark_ids == ["emp/h3"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("notes", 5),
        ("notes", ["fine", 5]),
        ("time_axes", 5),
        ("time_axes", [["snapshot"]]),
        ("metadata", "params_b"),
        ("metadata", [["precision"]]),
        ("default", "false"),
        ("default", 1),
    ],
)
def test_schema_rejects_wrong_types(field, value):
    assert field in schema_problems(**{field: value})


def test_schema_default_must_be_boolean():
    assert parse_board_schema(minimal_schema(default=True)).is_default is True
    assert parse_board_schema(minimal_schema()).is_default is False


def test_schema_composite_must_be_boolean():
    bench = {"id": "a", "higher_is_better": True, "range": [0, 1], "composite": "false"}
    assert "benchmarks[a].composite" in schema_problems(benchmarks=[bench])


def test_schema_notes_string_is_one_note():
    assert parse_board_schema(minimal_schema(notes="abc")).notes == ("abc",)


def test_schema_notes_unquoted_colon_kept_as_text():
    schema = parse_board_schema(minimal_schema(notes=[{"Do not rank": "the metric differs."}]))
    assert schema.notes == ("Do not rank: the metric differs.",)


@pytest.mark.parametrize("multiplier", [0, -100, float("inf")])
def test_schema_multiplier_must_be_positive(multiplier):
    bench = {"id": "a", "higher_is_better": True, "range": [0, 1], "source_key": {"task": "t", "metric": "m", "multiplier": multiplier}}
    assert "benchmarks[a].source_key.multiplier" in schema_problems(benchmarks=[bench])


def test_schema_multiplier_kept():
    bench = {"id": "a", "higher_is_better": True, "range": [0, 1], "source_key": {"task": "t", "metric": "m", "multiplier": 0.5}}
    schema = parse_board_schema(minimal_schema(benchmarks=[bench]))
    assert schema.benchmark("a").source_key.multiplier == 0.5


def test_schema_snapshot_label():
    assert parse_board_schema(minimal_schema()).snapshot_label == "As of snapshot"
    assert parse_board_schema(minimal_schema(snapshot_label="Release")).snapshot_label == "Release"
    with pytest.raises(SchemaError, match="snapshot_label"):
        parse_board_schema(minimal_schema(snapshot_label=""))
