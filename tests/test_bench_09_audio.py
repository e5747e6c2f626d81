"""benchmarks/bench_09_audio.py --quick runs offline and forces the same number of tokens in both engines."""
import json
import os
import subprocess
import sys

from tests.notebook_tools import REPO


def test_bench_09_quick(tmp_path):
    out = tmp_path / "bench.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_09_audio.py"), "--quick", "--json", str(out)],
                          env={**os.environ, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    engines = {row["engine"] for row in result["rows"]}
    assert engines == {"transformers", "faster-whisper (CTranslate2)"}
    assert {row["tokens"] for row in result["rows"]} == {result["tokens"]}
    assert all(row["rtf"] > 0 and row["peak_bytes"] > 0 for row in result["rows"])
