import numpy as np
import pytest
import torch

from utils import COURSE_ROOT, DigitClassifier, course_path, frechet_distance


def test_course_path_finds_shipped_files():
    assert course_path("utils/files.py") == COURSE_ROOT / "utils" / "files.py"
    assert course_path("data").is_dir()


def test_course_path_missing_says_what_to_do():
    with pytest.raises(FileNotFoundError, match="git pull.*setup cell"):
        course_path("data/no-such-model")
    assert course_path("data/no-such-model", must_exist=False) == COURSE_ROOT / "data" / "no-such-model"


@pytest.mark.parametrize("bad", ["/etc/passwd", "../outside", "data/../../x", "", "."])
def test_course_path_rejects_paths_outside_the_course(bad):
    with pytest.raises(ValueError, match="course folder"):
        course_path(bad)


def test_classifier_shapes_and_bad_input():
    torch.manual_seed(0)
    clf = DigitClassifier()
    x = torch.rand(5, 1, 32, 32) * 2 - 1
    assert clf(x).shape == (5, 10)
    preds, feats = clf.predict(x, batch_size=2)
    assert preds.shape == (5,) and feats.shape == (5, 64) and feats.dtype == np.float64
    with pytest.raises(ValueError, match=r"\[N, 1, 32, 32\].*pad 28x28"):
        clf(torch.zeros(2, 1, 28, 28))
    with pytest.raises(ValueError, match="got no images"):
        clf.predict(torch.zeros(0, 1, 32, 32))


def test_frechet_distance():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(2000, 4))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)
    # shifting the mean by 3 in one dimension adds 9
    assert frechet_distance(a, a + np.array([3.0, 0, 0, 0])) == pytest.approx(9.0, abs=1e-6)
    # N(0, I) vs N(0, 4I) in 4 dims: tr(I + 4I - 2*2I) = 4
    assert frechet_distance(rng.normal(size=(20000, 4)), 2 * rng.normal(size=(20000, 4))) == pytest.approx(4.0, abs=0.3)
    with pytest.raises(ValueError, match="same D"):
        frechet_distance(a, a[:, :3])
    with pytest.raises(ValueError, match="at least 2"):
        frechet_distance(a[:1], a)


def test_mnist_to_tensors_pads_and_scales():
    from PIL import Image

    from utils import mnist_to_tensors

    split = {"image": [Image.new("L", (28, 28), 255), Image.new("L", (28, 28), 0)], "label": [3, 7]}
    x, y = mnist_to_tensors(split)
    assert x.shape == (2, 1, 32, 32) and y.tolist() == [3, 7]
    assert x[0, 0, 2:30, 2:30].eq(1).all() and x[0, 0, 0].eq(-1).all() and x[1].eq(-1).all()
    with pytest.raises(ValueError, match="empty"):
        mnist_to_tensors({"image": [], "label": []})
    with pytest.raises(ValueError, match="28x28"):
        mnist_to_tensors({"image": [Image.new("L", (8, 8))], "label": [0]})
