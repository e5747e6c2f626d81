import pytest

import utils
from utils.config import QUICK_ENV_VAR, is_quick_mode, pick


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "Yes", "on", " on "])
def test_quick_values(monkeypatch, value):
    monkeypatch.setenv(QUICK_ENV_VAR, value)
    assert is_quick_mode() is True
    assert pick(quick=20, full=2000) == 20


@pytest.mark.parametrize("value", ["", "0", "false", "No", "OFF"])
def test_full_values(monkeypatch, value):
    monkeypatch.setenv(QUICK_ENV_VAR, value)
    assert is_quick_mode() is False
    assert pick(quick=20, full=2000) == 2000


def test_unset_means_full(monkeypatch):
    monkeypatch.delenv(QUICK_ENV_VAR, raising=False)
    assert is_quick_mode() is False
    assert pick("small", "large") == "large"


def test_bad_value_lists_allowed(monkeypatch):
    monkeypatch.setenv(QUICK_ENV_VAR, "maybe")
    with pytest.raises(ValueError, match="GENAI_QUICK='maybe'.*'true'.*'false'"):
        is_quick_mode()


def test_pick_reads_env_each_call(monkeypatch):
    monkeypatch.setenv(QUICK_ENV_VAR, "1")
    assert pick(1, 2) == 1
    monkeypatch.setenv(QUICK_ENV_VAR, "0")
    assert pick(1, 2) == 2


def test_package_exports_everything():
    missing = [name for name in utils.__all__ if not hasattr(utils, name)]
    assert missing == []
    assert utils.pick is pick and utils.QUICK_ENV_VAR == "GENAI_QUICK"
