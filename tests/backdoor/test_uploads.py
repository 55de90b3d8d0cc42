"""Hostile files: uploaded pictures and uploaded model weights."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import zlib

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from backdoor.image_upload import UploadRejected, read_image, sniff_format
from backdoor.model_files import ModelRejected, model_from_weights, read_weights, to_safetensors
from models import build_model

MNIST_SHAPE = (1, 28, 28)
COLOUR_SHAPE = (3, 32, 32)


def _encode(picture: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, fmt, **options)
    return buffer.getvalue()


def _drawn_digit_one(size=(300, 400)) -> Image.Image:
    """A '1' in black pen on white paper, off-centre, as a phone photo of a note would be."""
    picture = Image.new("L", size, 255)
    ImageDraw.Draw(picture).line([(200, 60), (200, 340)], fill=0, width=30)
    return picture


# ---- pictures -----------------------------------------------------------------------

def test_a_dark_on_light_drawing_becomes_a_centred_light_on_dark_digit():
    result = read_image(_encode(_drawn_digit_one(), "PNG"), MNIST_SHAPE)
    assert result.format == "PNG" and result.original_size == (300, 400) and result.inverted
    image = result.image
    assert image.shape == (1, *MNIST_SHAPE) and image.dtype == torch.float32
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    ink = image[0, 0] > 0.5
    rows, cols = torch.nonzero(ink, as_tuple=True)
    # scaled into MNIST's central 20x20 box, and centred (the drawing was off-centre)
    assert int(rows.min()) >= 3 and int(rows.max()) <= 24
    assert abs(float(cols.float().mean()) - 13.5) < 2
    assert float(image[0, 0, :, :3].max()) == 0.0  # the margins stay black


def test_the_colour_choice_can_be_forced_and_jpeg_is_read():
    data = _encode(_drawn_digit_one().convert("RGB"), "JPEG", quality=90)
    assert sniff_format(data) == "JPEG"
    kept = read_image(data, MNIST_SHAPE, invert=False)
    assert not kept.inverted and float(kept.image[0, 0, 14, 8]) > 0.9  # still light paper around the stroke
    colour = read_image(data, COLOUR_SHAPE)
    assert colour.image.shape == (1, *COLOUR_SHAPE) and not colour.inverted


def test_transparency_is_paper_white_and_a_palette_png_is_read():
    picture = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    ImageDraw.Draw(picture).ellipse([16, 16, 48, 48], fill=(0, 0, 0, 255))
    result = read_image(_encode(picture, "PNG"), MNIST_SHAPE)
    assert result.inverted and float(result.image.max()) > 0.9
    palette = Image.new("P", (40, 30), 3)
    assert read_image(_encode(palette, "PNG"), COLOUR_SHAPE).image.shape == (1, *COLOUR_SHAPE)


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"GIF89a" + bytes(100), "not a PNG or JPEG"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "not a PNG or JPEG"),
    (b"%PDF-1.7\n", "not a PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + bytes(40), "damaged"),
    (b"\xff\xd8\xff\xe0" + bytes(40), "damaged"),
])
def test_anything_but_a_readable_png_or_jpeg_is_refused_with_a_reason(data, words):
    with pytest.raises(UploadRejected, match=words):
        read_image(data, MNIST_SHAPE)


def test_a_file_named_png_that_is_really_something_else_is_refused():
    bmp = _encode(Image.new("RGB", (10, 10)), "BMP")
    with pytest.raises(UploadRejected, match="not a PNG or JPEG"):
        read_image(bmp, MNIST_SHAPE)


def test_a_truncated_picture_is_refused_not_half_read():
    data = _encode(Image.effect_noise((256, 256), 60).convert("L"), "PNG")
    with pytest.raises(UploadRejected, match="damaged|could not be decoded"):
        read_image(data[: len(data) // 2], MNIST_SHAPE)


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height pixels, with one tiny compressed row."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("width, height", [(6000, 6000), (100_000, 100_000), (1, 30_000_000)])
def test_a_decompression_bomb_is_refused_from_its_header(width, height):
    data = _png_header_only(width, height)
    assert len(data) < 200  # a tiny file claiming a gigantic picture
    with pytest.raises(UploadRejected, match="megapixels"):
        read_image(data, MNIST_SHAPE)


def test_a_real_bomb_that_compresses_to_kilobytes_is_refused():
    data = _encode(Image.new("1", (6000, 6000)), "PNG")  # 36 megapixels of black, ~40 kB on disk
    assert len(data) < 100_000 and 6000 * 6000 > 25_000_000
    with pytest.raises(UploadRejected, match="megapixels"):
        read_image(data, MNIST_SHAPE)


def test_an_oversized_file_is_refused_before_it_is_opened():
    with pytest.raises(UploadRejected, match="MB"):
        read_image(b"\x89PNG\r\n\x1a\n" + bytes(5 * 1024 * 1024), MNIST_SHAPE)


# README: "at most 5 MB and 25 megapixels" for pictures; model files up to 20 MB. MB here is 1024 * 1024
# bytes, as the messages' "up to 5 MB" (bytes // 2**20) and Streamlit's maxUploadSize count it.

def _png_padded_to(size: int) -> bytes:
    """A valid 8 x 8 white PNG followed by zero bytes up to ``size`` (readers stop at its end chunk)."""
    picture = _encode(Image.new("L", (8, 8), 255), "PNG")
    return picture + bytes(size - len(picture))


def test_a_picture_of_exactly_5_mb_is_read_and_one_byte_more_is_refused():
    assert read_image(_png_padded_to(5 * 1024 * 1024), MNIST_SHAPE).original_size == (8, 8)
    with pytest.raises(UploadRejected, match="up to 5 MB"):
        read_image(_png_padded_to(5 * 1024 * 1024 + 1), MNIST_SHAPE)


def test_25_megapixels_pass_the_header_check_and_one_pixel_more_is_refused_unread():
    # 5000 x 5000 = 25,000,000 pixels: not refused for its size (this tiny file then fails to decode)
    with pytest.raises(UploadRejected) as at_limit:
        read_image(_png_header_only(5000, 5000), MNIST_SHAPE)
    assert "megapixels" not in str(at_limit.value) and "could not be decoded" in str(at_limit.value)
    for width, height in ((1, 25_000_001), (25_000_001, 1)):
        with pytest.raises(UploadRejected, match="more than the 25 megapixels"):
            read_image(_png_header_only(width, height), MNIST_SHAPE)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048), st.sampled_from([b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"]))
def test_random_bytes_never_crash_the_upload_path(noise, prefix):
    try:
        result = read_image(prefix + noise, MNIST_SHAPE)
    except UploadRejected:
        return
    assert result.image.shape == (1, *MNIST_SHAPE)  # by chance a valid picture: then a proper one


@settings(max_examples=40, deadline=None)
@given(width=st.integers(1, 120), height=st.integers(1, 120), mode=st.sampled_from(["L", "RGB", "RGBA", "P"]),
       fmt=st.sampled_from(["PNG", "JPEG"]), seed=st.integers(0, 2**16),
       shape=st.sampled_from([MNIST_SHAPE, COLOUR_SHAPE]))
def test_any_valid_picture_comes_out_in_the_data_sets_shape_and_range(width, height, mode, fmt, seed, shape):
    pixels = np.random.default_rng(seed).integers(0, 256, size=(height, width, 3), dtype=np.uint8)
    picture = Image.fromarray(pixels, "RGB").convert(mode)
    if fmt == "JPEG" and mode in ("RGBA", "P"):
        picture = picture.convert("RGB")
    result = read_image(_encode(picture, fmt), shape)
    assert result.image.shape == (1, *shape) and result.image.dtype == torch.float32
    assert bool(torch.isfinite(result.image).all())
    assert 0.0 <= float(result.image.min()) and float(result.image.max()) <= 1.0
    assert result.original_size == (width, height)


# ---- model files -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_model():
    torch.manual_seed(0)
    return build_model("small-cnn", MNIST_SHAPE, 10).eval()


def _torch_save(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def _same_weights(a, b) -> bool:
    return all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_safetensors_round_trip_gives_the_same_model(small_model):
    model = model_from_weights(read_weights(to_safetensors(small_model)), "small-cnn", MNIST_SHAPE, 10)
    assert _same_weights(model, small_model) and not model.training


@pytest.mark.parametrize("wrap", [lambda s: s, lambda s: {"state_dict": s}, lambda s: {"model_state_dict": s}])
def test_a_pytorch_state_dict_is_read_with_weights_only(small_model, wrap):
    data = _torch_save(wrap(small_model.state_dict()))
    assert _same_weights(model_from_weights(read_weights(data), "small-cnn", MNIST_SHAPE, 10), small_model)


class _RunsCode:
    """Unpickling this calls os.system: what a malicious model file does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("container", ["zip", "bare pickle", "protocol 0"])
def test_a_pickle_that_would_run_code_is_refused_and_never_runs(tmp_path, small_model, container):
    marker = tmp_path / "pwned"
    payload = {"conv1.weight": small_model.state_dict()["conv1.weight"], "evil": _RunsCode(marker)}
    if container == "zip":
        data = _torch_save(payload)
    elif container == "bare pickle":
        data = pickle.dumps(payload, protocol=2)
    else:
        data = pickle.dumps(_RunsCode(marker), protocol=0)
    with pytest.raises(ModelRejected, match="refused|neither"):
        read_weights(data)
    assert not marker.exists()


def test_a_whole_pickled_model_is_refused(small_model):
    with pytest.raises(ModelRejected, match="Python objects"):
        read_weights(_torch_save(small_model))


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"hello world, not a model", "neither"),
    (b"PK\x03\x04" + bytes(64), "could not be read"),
    (struct.pack("<Q", 20) + b'{"a": {"dtype": "F3' + bytes(10), "damaged|neither"),
])
def test_unreadable_model_files_are_refused_with_a_reason(data, words):
    with pytest.raises(ModelRejected, match=words):
        read_weights(data)


def _safetensors_of_size(size: int) -> bytes:
    """A valid safetensors file of exactly ``size`` bytes: one uint8 tensor after a 128-byte header."""
    count = size - 8 - 128
    header = json.dumps({"w": {"dtype": "U8", "shape": [count], "data_offsets": [0, count]}}).encode().ljust(128)
    return struct.pack("<Q", 128) + header + bytes(count)


def test_a_model_file_of_exactly_20_mb_is_read_and_one_byte_more_is_refused():
    limit = 20 * 1024 * 1024
    assert read_weights(_safetensors_of_size(limit))["w"].numel() == limit - 136
    with pytest.raises(ModelRejected, match="up to 20 MB"):
        read_weights(_safetensors_of_size(limit + 1))


def test_weights_must_fit_the_architecture_exactly(small_model):
    state = small_model.state_dict()
    with pytest.raises(ModelRejected, match="do not belong to the Colour CNN"):
        model_from_weights(dict(state), "color-cnn", MNIST_SHAPE, 10)
    with pytest.raises(ModelRejected, match="shape"):
        model_from_weights(dict(state), "small-cnn", MNIST_SHAPE, 43)  # trained for another data set
    with pytest.raises(ModelRejected, match="missing"):
        model_from_weights({k: v for k, v in state.items() if not k.startswith("fc2")}, "small-cnn", MNIST_SHAPE, 10)
    broken = dict(state)
    broken["fc2.bias"] = torch.full_like(state["fc2.bias"], float("nan"))
    with pytest.raises(ModelRejected, match="NaN"):
        model_from_weights(broken, "small-cnn", MNIST_SHAPE, 10)
    ints = dict(state)
    ints["fc2.bias"] = state["fc2.bias"].to(torch.int64)
    with pytest.raises(ModelRejected, match="floating point"):
        model_from_weights(ints, "small-cnn", MNIST_SHAPE, 10)
    with pytest.raises(ModelRejected, match="Unknown architecture"):
        model_from_weights(dict(state), "resnet-9000", MNIST_SHAPE, 10)
    with pytest.raises(ModelRejected, match="named tensors"):
        read_weights(_torch_save({"layer": [1, 2, 3]}))


def test_half_precision_weights_are_accepted_as_float32(small_model):
    half = {k: v.half() for k, v in small_model.state_dict().items()}
    model = model_from_weights(read_weights(to_safetensors_dict(half)), "small-cnn", MNIST_SHAPE, 10)
    assert next(model.parameters()).dtype == torch.float32


def to_safetensors_dict(state: dict) -> bytes:
    from safetensors.torch import save

    return save(state)
