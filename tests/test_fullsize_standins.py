"""The full-size stand-ins of tests/harness/fullsize.py (used by benchmarks/rehearse.py, never built by the
tests): each model folder has the real architecture's parameter count, counted on the meta device."""
import pytest

from tests.harness.fullsize import FULL_SIZE, count_parameters
from tests.harness.standins import REGISTRY

CASES = [(repo, folder) for repo, spec in FULL_SIZE.items() for folder in spec.folders]


@pytest.mark.parametrize("repo, folder", CASES, ids=[f"{r}:{f or '.'}" for r, f in CASES])
def test_parameter_count_is_the_published_one(repo, folder):
    spec = FULL_SIZE[repo]
    got, published = count_parameters(spec.folders[folder]), spec.published[folder]
    assert abs(got - published) <= spec.tolerance * published, (
        f"{repo}/{folder}: {got:,} parameters, the real model has {published:,} ({spec.notes or 'exact'})")


def test_every_full_size_repo_has_a_test_stand_in():
    """The full-size cache starts from the test cache's stand-in (its tokenizer, scheduler, processor files)."""
    assert set(FULL_SIZE) <= set(REGISTRY)
    for spec in FULL_SIZE.values():
        assert set(spec.folders) == set(spec.published)
