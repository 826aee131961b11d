import re
import time

import numpy as np
import pandas as pd
import pytest

from leaderboard.embedded import load_embedded
from leaderboard.service import LeaderboardService
from leaderboard.state import CorrelationView, TrackingView
from leaderboard.store import Dataset
from leaderboard.ui import correlations_tab, tracking_tab
from tests.test_correlation_report import benchmark, dense_scores, sparse_board, sparse_schema
from tests.test_tracking_report import tracking_board

NUMBER_CELL = re.compile(r"^-?\d+\.\d\d<br>n=\d+$")
INSUFFICIENT_CELL = re.compile(r"^insufficient<br>\(n=\d+\)$")


class Holder:
    def __init__(self, dataset: Dataset):
        self.dataset = dataset


def hand_dataset(revision: str = "r1") -> Dataset:
    single = sparse_board(scores={"a": dense_scores()["a"]}, schema=sparse_schema(benchmarks=[benchmark("a", "Arena score")]))
    boards = {
        "sparse": sparse_board(),
        "dense": sparse_board(scores=dense_scores()),
        "single": single,
        "timed": tracking_board(),
        "untimed": tracking_board(time_axes=()),
    }
    return Dataset(boards=boards, revision=revision, source="test")


@pytest.fixture
def service():
    return LeaderboardService(Holder(hand_dataset()))


@pytest.fixture(scope="module")
def shipped():
    return LeaderboardService(Holder(load_embedded()))


def annotation_text(figure) -> str:
    return " ".join(a.text for a in figure.layout.annotations)


def heatmap_cells(figure) -> tuple[np.ndarray, np.ndarray, list[str]]:
    trace = figure.data[0]
    return np.array(trace.text, dtype=object), np.array(trace.z, dtype="float64"), list(trace.x)


def assert_named_columns(frame: pd.DataFrame):
    assert len(frame.columns) > 0
    assert all(isinstance(c, str) and c.strip() for c in frame.columns)


# Tracking tab


def test_tracking_untimed_board_says_so(service):
    figure, messages, trends, found = tracking_tab.tracking_outputs(service, TrackingView(board="untimed"))
    assert "declares no time axis" in annotation_text(figure)
    assert "declares no time axis" in messages
    assert list(trends.columns) == ["Benchmark"]
    assert list(found.columns) == tracking_tab.DEVIATION_COLUMNS


def test_tracking_unknown_board_message(service):
    figure, messages, trends, found = tracking_tab.tracking_outputs(service, TrackingView(board="gone"))
    assert "Board 'gone' is not in the loaded data" in annotation_text(figure)
    assert_named_columns(trends)
    assert_named_columns(found)


def test_tracking_outputs_hand_board(service):
    figure, messages, trends, found = tracking_tab.tracking_outputs(service, TrackingView(board="timed", benchmark="a"))
    assert figure.data
    assert "A by submission date" in figure.layout.title.text
    assert all(line.startswith("- ") for line in messages.splitlines())
    assert trends["Benchmark"].tolist() == ["A", "B"]
    assert list(found.columns) == tracking_tab.DEVIATION_COLUMNS
    assert found.empty


def test_tracking_cache_same_view_same_object(service):
    view = TrackingView(board="timed", benchmark="a", axis="submission_date")
    first = tracking_tab.report_for(service, view)
    assert tracking_tab.report_for(service, view) is first


def test_tracking_new_revision_recomputes(service):
    view = TrackingView(board="timed", benchmark="a")
    first = tracking_tab.report_for(service, view)
    service.holder.dataset = hand_dataset(revision="r2")
    second = tracking_tab.report_for(service, view)
    assert second is not first
    pd.testing.assert_frame_equal(second.frontier, first.frontier)


def test_tracking_cohort_in_cache_key(service):
    everyone = tracking_tab.report_for(service, TrackingView(board="timed", benchmark="a"))
    merges = tracking_tab.report_for(service, TrackingView(board="timed", benchmark="a", cohort="merged"))
    assert len(everyone.points) == 10
    assert len(merges.points) == 5


def test_tracking_controls_hide_single_axis(service):
    benchmarks, axis, cohort, models = tracking_tab.control_updates(service, "timed")
    assert benchmarks.choices == [("A", "a"), ("B", "b")]
    assert benchmarks.value == "a"
    assert axis.choices == [("submission date", "submission_date")]
    assert axis.visible is False
    assert ("Merges", "merged") in cohort.choices
    assert len(models.choices) == 10
    assert models.max_choices == 8


def test_tracking_controls_unknown_board(service):
    benchmarks, axis, cohort, models = tracking_tab.control_updates(service, "gone")
    assert benchmarks.choices == []
    assert models.value == []


# Correlations tab


def test_correlations_single_score_board_explains(service):
    outputs = correlations_tab.correlation_outputs(service, CorrelationView(board="single"))
    heatmap, partial, scree, loadings, pair, messages = outputs
    assert "no pair to correlate" in annotation_text(heatmap)
    assert not heatmap.data
    assert "no pair to correlate" in messages
    assert list(loadings.columns) == ["Benchmark"]


def test_correlations_two_model_pair_insufficient(service):
    view = CorrelationView(board="sparse")
    heatmap = correlations_tab.correlation_outputs(service, view)[0]
    text, z, labels = heatmap_cells(heatmap)
    c, d = labels.index("C"), labels.index("D")
    assert text[c, d] == "insufficient<br>(n=2)"
    assert text[d, c] == "insufficient<br>(n=2)"
    assert np.isnan(z[c, d])
    a, b = labels.index("A"), labels.index("B")
    assert text[a, b] == f"{405 / 435:.2f}<br>n=30"


def test_correlations_matrix_order_permutation(service):
    view = CorrelationView(board="sparse")
    report = correlations_tab.report_for(service, view)
    labels = heatmap_cells(correlations_tab.correlation_outputs(service, view)[0])[2]
    names = {"a": "A", "b": "B", "c": "C", "d": "D"}
    assert sorted(report.benchmarks) == ["a", "b", "c", "d"]
    assert labels == [names[b] for b in report.benchmarks]
    assert "Index" not in labels


def test_correlations_cohort_changes_n(service):
    everyone = correlations_tab.report_for(service, CorrelationView(board="sparse"))
    merges = correlations_tab.report_for(service, CorrelationView(board="sparse", cohort="merged"))
    assert everyone.matrix.n.at["a", "b"] == 30
    assert merges.matrix.n.at["a", "b"] == 15


def test_correlations_cache_same_view_same_object(service):
    view = CorrelationView(board="sparse", method="spearman")
    first = correlations_tab.report_for(service, view)
    assert correlations_tab.report_for(service, view) is first
    assert correlations_tab.report_for(service, CorrelationView(board="sparse")) is not first


def test_correlations_new_revision_recomputes(service):
    view = CorrelationView(board="sparse")
    first = correlations_tab.report_for(service, view)
    service.holder.dataset = hand_dataset(revision="r2")
    second = correlations_tab.report_for(service, view)
    assert second is not first
    pd.testing.assert_frame_equal(second.matrix.n, first.matrix.n)


def test_correlations_loadings_named(service):
    outputs = correlations_tab.correlation_outputs(service, CorrelationView(board="dense"))
    loadings = outputs[3]
    assert list(loadings.columns) == ["Benchmark", "PC1", "PC2", "PC3"]
    assert sorted(loadings["Benchmark"]) == ["A", "B", "C", "D"]
    assert "bootstrap interval" in outputs[5]


def test_correlations_components_reason_shown(service):
    # Complete cases of the sparse board are two models, too few for components.
    scree, loadings = correlations_tab.correlation_outputs(service, CorrelationView(board="sparse"))[2:4]
    assert "needs the minimum overlap of 10 models" in annotation_text(scree)
    assert not scree.data
    assert list(loadings.columns) == ["Benchmark"]


def test_correlations_controls_skip_composite(service):
    cohort, pair_a, pair_b = correlations_tab.control_updates(service, "sparse")
    assert pair_a.choices == [("A", "a"), ("B", "b"), ("C", "c"), ("D", "d")]
    assert pair_b.choices == pair_a.choices
    assert cohort.value == "all"


def test_agreement_outputs_cached_and_fast(service):
    view = CorrelationView(board="dense")
    started = time.perf_counter()
    table, figure, messages = correlations_tab.agreement_outputs(service, view, 120, 10)
    elapsed = time.perf_counter() - started
    assert elapsed < 3.0
    assert table["Benchmark"].tolist() == ["A", "B", "C", "D"]
    again = correlations_tab.agreement_outputs(service, view, 120, 10)[0]
    assert again is table
    assert figure.data
    assert messages.startswith("- ")


def test_agreement_outputs_too_few_benchmarks(service):
    table, figure, messages = correlations_tab.agreement_outputs(service, CorrelationView(board="single"), 180, 30)
    assert list(table.columns) == ["Benchmark"]
    assert "at least three benchmarks" in messages
    assert annotation_text(figure)


def test_agreement_outputs_unknown_board(service):
    table, figure, messages = correlations_tab.agreement_outputs(service, CorrelationView(board="gone"), 180, 30)
    assert list(table.columns) == ["Benchmark"]
    assert "not in the loaded data" in messages


@pytest.mark.parametrize("board_id", ["untimed", "single", "gone"])
def test_empty_outputs_have_named_columns(service, board_id):
    frames = [o for o in tracking_tab.tracking_outputs(service, TrackingView(board=board_id)) if isinstance(o, pd.DataFrame)]
    frames += [o for o in correlations_tab.correlation_outputs(service, CorrelationView(board=board_id)) if isinstance(o, pd.DataFrame)]
    frames += [o for o in correlations_tab.agreement_outputs(service, CorrelationView(board=board_id), 180, 30) if isinstance(o, pd.DataFrame)]
    assert len(frames) == 4
    for frame in frames:
        assert_named_columns(frame)


# Shipped boards


def test_shipped_lmarena_correlations_explain(shipped):
    heatmap, _, _, loadings, _, messages = correlations_tab.correlation_outputs(shipped, CorrelationView(board="lmarena_text"))
    assert not heatmap.data
    assert "LMArena" in messages
    assert "no pair to correlate" in messages
    assert list(loadings.columns) == ["Benchmark"]


def test_shipped_epoch_insufficient_cells_labelled(shipped):
    heatmap = correlations_tab.correlation_outputs(shipped, CorrelationView(board="epoch"))[0]
    text, z, labels = heatmap_cells(heatmap)
    blank = np.isnan(z)
    assert blank.any()
    assert "Epoch Capabilities Index" not in labels
    for cell, value in zip(text.ravel(), z.ravel()):
        if np.isnan(value):
            assert INSUFFICIENT_CELL.match(cell), cell
        else:
            assert NUMBER_CELL.match(cell), cell


def test_shipped_epoch_excludes_composite(shipped):
    report = correlations_tab.report_for(shipped, CorrelationView(board="epoch"))
    board = shipped.board("epoch")
    composites = {b.id for b in board.schema.benchmarks if b.composite}
    assert composites
    assert not composites & set(report.benchmarks)
    assert len(set(report.benchmarks)) == len(report.benchmarks)


@pytest.mark.parametrize("board_id", ["dnafm_feng2025", "gue"])
def test_shipped_untimed_tracking_says_so(shipped, board_id):
    figure, messages, trends, found = tracking_tab.tracking_outputs(shipped, TrackingView(board=board_id))
    assert "declares no time axis" in messages
    assert_named_columns(trends)
    assert_named_columns(found)


def test_shipped_open_llm_v1_handlers_fast(shipped):
    started = time.perf_counter()
    tracking = tracking_tab.tracking_outputs(shipped, TrackingView(board="open_llm_v1"))
    correlations = correlations_tab.correlation_outputs(shipped, CorrelationView(board="open_llm_v1"))
    elapsed = time.perf_counter() - started
    assert elapsed < 6.0
    trend_rows = sorted(tracking[2]["Benchmark"])
    assert trend_rows == ["ARC", "GSM8K", "HellaSwag", "MMLU", "TruthfulQA", "Winogrande"]
    assert sorted(heatmap_cells(correlations[0])[2]) == trend_rows


def test_shipped_livebench_notes_changing_tasks(shipped):
    messages = tracking_tab.tracking_outputs(shipped, TrackingView(board="livebench", benchmark="spatial", axis="snapshot"))[1]
    assert "not scored in every snapshot" in messages


def test_snapshot_trend_uses_snapshot_medians():
    from leaderboard.embedded import load_embedded
    from leaderboard.tracking_report import tracking_report

    board = load_embedded().boards["lmarena_text"]
    report = tracking_report(board, None, "snapshot", None)
    assert int(report.trends["n"].iloc[0]) == len(board.snapshots)


def test_pair_scatter_coloured_by_model_type():
    from leaderboard.embedded import load_embedded
    from leaderboard.refresh import DataHolder

    dataset = load_embedded()
    shipped = LeaderboardService(DataHolder(lambda: dataset, dataset, label="shipped"))
    pair = correlations_tab.correlation_outputs(shipped, CorrelationView(board="open_llm_v2"))[4]
    names = {trace.name for trace in pair.data}
    assert {"chat", "pretrained"} <= names
