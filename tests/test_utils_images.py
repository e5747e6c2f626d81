import numpy as np
import pytest
import torch
from PIL import Image

from utils import check_image_and_mask, image_size


def square_mask(h: int, w: int) -> np.ndarray:
    mask = np.zeros((h, w), np.float32)
    mask[h // 4: h // 2, w // 4: w // 2] = 1.0
    return mask


@pytest.mark.parametrize("image, expected", [
    (Image.new("RGB", (64, 32)), (32, 64)),
    (np.zeros((32, 64, 3)), (32, 64)),
    (np.zeros((32, 64)), (32, 64)),
    (torch.zeros(3, 32, 64), (32, 64)),
    (torch.zeros(2, 1, 32, 64), (32, 64)),
])
def test_image_size_reads_every_layout(image, expected):
    assert image_size(image) == expected


def test_good_inputs_pass_in_every_form():
    assert check_image_and_mask(Image.new("RGB", (64, 32)), Image.fromarray((square_mask(32, 64) * 255).astype(np.uint8))) == (32, 64)
    assert check_image_and_mask(torch.zeros(2, 1, 32, 32), torch.from_numpy(square_mask(32, 32))[None, None]) == (32, 32)
    assert check_image_and_mask(np.zeros((32, 32, 3)), square_mask(32, 32)[..., None]) == (32, 32)
    assert check_image_and_mask(Image.new("RGB", (512, 512))) == (512, 512)


def test_side_not_a_multiple_says_which_size_fits():
    with pytest.raises(ValueError, match=r"500 x 300 .*multiples of 8.*496 x 296"):
        check_image_and_mask(Image.new("RGB", (500, 300)))


def test_mask_of_another_size_says_how_to_resize():
    with pytest.raises(ValueError, match=r"mask is 32 x 32 .* picture is 64 x 64.*Image.NEAREST"):
        check_image_and_mask(Image.new("RGB", (64, 64)), Image.new("L", (32, 32), 255))


def test_empty_mask_is_refused():
    with pytest.raises(ValueError, match="mask is empty"):
        check_image_and_mask(torch.zeros(1, 3, 32, 32), torch.zeros(1, 1, 32, 32))


@pytest.mark.parametrize("mask, message", [
    (Image.new("RGB", (32, 32), "white"), "RGB picture.*convert"),
    (torch.ones(1, 3, 32, 32), "3 channels"),
    (np.full((32, 32), 255.0), r"values must lie in \[0, 1\].*255"),
])
def test_bad_masks_say_what_to_do(mask, message):
    with pytest.raises(ValueError, match=message):
        check_image_and_mask(torch.zeros(1, 3, 32, 32), mask)


def test_empty_picture_and_bad_multiple_are_refused():
    with pytest.raises(ValueError, match="empty"):
        check_image_and_mask(np.zeros((0, 32)))
    with pytest.raises(ValueError, match="at least 1"):
        check_image_and_mask(np.zeros((32, 32)), multiple=0)
