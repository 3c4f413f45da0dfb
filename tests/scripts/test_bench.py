"""scripts/bench.py's own machinery: process-tree RSS, moving the extra night, verdicts.

(The benchmark itself runs the whole pipeline at national scales: a script, not a test.)"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO_ROOT))  # scripts/ is not an installed package

from scripts import bench  # noqa: E402


def test_timed_reports_the_peak_rss_of_the_process_tree(tmp_path):
    # A child process holding ~300 MB: the parent alone would show a few MB.
    code = "import subprocess, sys; subprocess.run([sys.executable, '-c', " \
           "'b = bytearray(300 * 2**20); import time; time.sleep(1.5)'], check=True)"
    measure = bench.timed("child", [sys.executable, "-c", code], tmp_path / "log")
    assert 300 <= measure.peak_rss_mb < 600
    assert measure.seconds >= 1.5


def test_the_extra_night_moves_out_and_back(tmp_path):
    landing, holding = tmp_path / "landing", tmp_path / "holding"
    night = dt.date(2015, 1, 6)
    for force in ("kent", "essex"):
        for day in ("2015-01-05", "2015-01-06"):
            (landing / force / day).mkdir(parents=True)
            (landing / force / day / "incidents.csv").write_text("x\n")
    bench._move_night(landing, holding, night, back=False)
    assert sorted(p.relative_to(landing).as_posix() for p in landing.glob("*/*")) == ["essex/2015-01-05", "kent/2015-01-05"]
    assert (holding / "kent" / "2015-01-06" / "incidents.csv").exists()
    bench._move_night(landing, holding, night, back=True)
    assert len(list(landing.glob("*/*/incidents.csv"))) == 4


def test_verdicts_judge_the_largest_scale():
    result = {
        "scale": 1.0, "a_over_b": 1.4,
        "a": {"seconds": 14 * 60, "peak_rss_mb": 7000, "notes": {"gx_share": 0.05}},
        "nightly": {"seconds": 61.0, "notes": {"warm_seconds": 48.5}},
    }
    verdicts = bench._verdicts(result)
    assert verdicts[0].startswith("MET") and "14.0 min" in verdicts[0]
    assert verdicts[1].startswith("NOT MET") and "6.84 GB" in verdicts[1]
    assert verdicts[2].startswith("MET")
    assert verdicts[3].startswith("NOT MET") and "(cold page cache): 61.0 s" in verdicts[3]
    assert verdicts[4].startswith("MET") and "(warm): 48.5 s" in verdicts[4]
    assert verdicts[5].startswith("MET") and "5.0%" in verdicts[5]


def test_the_results_table_has_a_row_per_scale_with_both_nights():
    row = {
        "scale": 0.01, "rows": 295678, "a_over_b": 20.08, "c_over_a": 0.41,
        "a": {"seconds": 321.0, "peak_rss_mb": 1582.0, "rows_per_second": 921,
              "notes": {"gx_share": 0.022, "warehouse_mb": 160}},
        "b": {"seconds": 16.0, "peak_rss_mb": 330.0, "rows_per_second": 18503},
        "c": {"seconds": 131.5, "peak_rss_mb": 636.0, "rows_per_second": 2248},
        "nightly": {"seconds": 38.2, "notes": {"warm_seconds": 33.1}},
    }
    lines = bench._table([row, {**row, "scale": 1.0, "c": None, "c_over_a": None}]).splitlines()
    assert len(lines) == 4 and lines[0].count("|") == lines[2].count("|") == lines[3].count("|")
    assert lines[2].endswith("| 2.2% | 160 | 38.2 | 33.1 |") and "| – | – |" in lines[3]


def test_dropping_a_file_from_the_page_cache_keeps_it_whole(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"x" * 100_000)
    bench._drop_from_page_cache(path)
    assert path.read_bytes() == b"x" * 100_000
