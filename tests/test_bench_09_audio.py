"""benchmarks/bench_09_audio.py --quick runs offline and forces the same number of tokens in both engines.

The test uses --tiny (a 1-layer, 64-wide Whisper) and --in-process to keep the suite fast: the plumbing,
the token counting and the table are the same as for the base architecture."""
import json
import os
import subprocess
import sys

from tests.notebook_tools import REPO


def test_bench_09_quick(tmp_path):
    out = tmp_path / "bench.json"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1", "GENAI_DEVICE": "cpu"}
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_09_audio.py"), "--quick", "--tiny", "--in-process", "--out", str(out)],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["model"] == "tiny" and result["tokens"] == 8 and result["seconds"] == 5.0
    rows = result["rows"]
    assert {(row["engine"], row["compute"]) for row in rows} == {
        ("transformers", "float32"), ("faster-whisper (CTranslate2)", "float32"), ("faster-whisper (CTranslate2)", "int8")}
    for row in rows:  # every timed run produced exactly the forced count, in both engines
        assert row["tokens"] == 8 and set(row["tokens_per_run"]) == {8}, row
        assert row["rtf"] > 0 and abs(row["rtf"] - row["seconds"] / 5.0) < 1e-9
        assert row["peak_rss_bytes"] > 0 and row["threads"] == 1
    assert "| engine | compute type |" in proc.stdout and "| transformers | float32 | 1 | 8 |" in proc.stdout
