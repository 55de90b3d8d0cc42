"""Hostile files: uploaded pictures and uploaded model weights."""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import struct
import zipfile
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


def _rejection(data: bytes, shape=MNIST_SHAPE) -> str:
    with pytest.raises(UploadRejected) as refused:
        read_image(data, shape)
    return str(refused.value)


def test_the_refusals_say_what_was_wrong_and_what_to_upload_instead():
    assert _rejection(b"") == "The file is empty. Upload a PNG or JPEG picture."
    assert _rejection(b"GIF89a" + bytes(100)) == ("This is not a PNG or JPEG file (whatever its name says). Only PNG "
                                                  "and JPEG pictures are accepted.")
    # 5 * 1024 * 1024 + 1 bytes is 5.2 million bytes
    assert _rejection(_png_padded_to(5 * 1024 * 1024 + 1)) == ("The file is 5.2 MB; pictures up to 5 MB are accepted. "
                                                               "Save a smaller version and upload that.")
    assert re.fullmatch(r"This PNG file is damaged and cannot be read \(\w+\)\.", _rejection(b"\x89PNG\r\n\x1a\n" + bytes(40)))
    assert re.fullmatch(r"This JPEG file is damaged and cannot be read \(\w+\)\.", _rejection(b"\xff\xd8\xff\xe0" + bytes(40)))
    assert re.fullmatch(r"This PNG file could not be decoded \(\w+\); it may be damaged or incomplete\. Try saving it "
                        r"again\.", _rejection(_png_header_only(5000, 5000)))
    bomb = ("more than the 25 megapixels accepted. It was not opened: files that unpack into huge images are a known "
            "way to crash a server. Upload a smaller picture.")
    assert _rejection(_png_header_only(1, 25_000_001)) == f"The picture claims 1 x 25,000,001 pixels, {bomb}"
    assert _rejection(_png_header_only(6000, 6000)) == f"The picture claims 6,000 x 6,000 pixels, {bomb}"
    # beyond Pillow's own guard (about 179 megapixels) Pillow refuses it first, without the exact figures
    assert _rejection(_png_header_only(100_000, 100_000)) == f"The picture claims far {bomb}"


_FOUR_COLOURS = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]])  # red, green, blue, white


def _png_of(pixels: np.ndarray) -> bytes:
    return _encode(Image.fromarray(pixels.astype(np.uint8)), "PNG")


def test_a_drawing_is_cropped_to_its_ink_scaled_into_the_20_pixel_box_and_centred():
    pixels = np.zeros((100, 60))
    pixels[30:50, 10:20] = 255  # a light bar 20 rows tall and 10 columns wide, on black (not inverted)
    pixels[90, 50] = 40  # a speck at 16% of the brightest pixel: below the 20% ink threshold, not cropped to
    result = read_image(_png_of(pixels), MNIST_SHAPE)
    assert not result.inverted
    # 20 x 10 fits the 20 x 20 box unscaled: rows 4..23, columns (28 - 10) // 2 = 9..18
    expected = torch.zeros(28, 28)
    expected[4:24, 9:19] = 1.0
    assert torch.allclose(result.image[0, 0], expected, atol=1e-4)


def test_a_faint_mark_at_a_quarter_of_the_brightest_pixel_counts_as_ink():
    pixels = np.zeros((40, 40))
    pixels[0:20, 0:10] = 255
    pixels[39, 39] = 64  # 25% of the brightest: part of the drawing, so the crop spans the whole 40 x 40 picture
    image = read_image(_png_of(pixels), MNIST_SHAPE).image[0, 0]
    # the whole 40 x 40 picture is scaled to 20 x 20 in rows/columns 4..23: the bar fills the top-left 10 x 5
    assert float(image[4:13, 4:8].min()) > 0.95 and float(image[16:24, 10:24].max()) < 0.3


def test_ink_is_judged_against_the_brightest_pixel_strictly_above_20_percent():
    pixels = np.zeros((40, 40))
    pixels[0:20, 0:10] = 153  # a dim drawing: 60% brightness is its brightest
    pixels[39, 39] = 51  # a third of that brightest: part of the drawing, so the crop spans the whole picture
    image = read_image(_png_of(pixels), MNIST_SHAPE).image[0, 0]
    assert float(image[16:24, 10:24].max()) < 0.1 and float(image[4:13, 4:8].min()) > 0.55
    bright = np.zeros((40, 40))
    bright[0:20, 0:10] = 255
    bright[39, 39] = 51  # exactly 20% of the brightest: not ink, so the crop is the bar alone
    bar_alone = read_image(_png_of(bright[:20, :10]), MNIST_SHAPE, invert=False).image
    assert torch.equal(read_image(_png_of(bright), MNIST_SHAPE, invert=False).image, bar_alone)


def test_a_one_pixel_high_colour_strip_keeps_its_middle_pixel():
    all_green = torch.tensor([0.0, 1.0, 0.0])[:, None, None].expand(3, 32, 32)
    for strip in (_FOUR_COLOURS[None, :3], _FOUR_COLOURS[:3, None]):  # red, green, blue in one row, then one column
        assert torch.allclose(read_image(_png_of(strip), COLOUR_SHAPE).image[0], all_green, atol=1e-4)


def test_a_picture_exactly_half_light_is_not_inverted_and_more_light_is():
    assert not read_image(_png_of(np.array([[0, 255]])), MNIST_SHAPE).inverted  # mean 0.5: not "mostly light"
    assert read_image(_png_of(np.array([[0, 255, 255]])), MNIST_SHAPE).inverted


def test_inversion_can_be_forced_on_a_dark_digit_and_on_a_colour_picture():
    pixels = np.zeros((20, 20))
    pixels[5:15, 8:12] = 255
    forced = read_image(_png_of(pixels), MNIST_SHAPE, invert=True)
    # the black paper became white ink, cropped whole into the 20 x 20 box; only the 10 x 4 bar there is dark
    assert forced.inverted and float(forced.image[0, 0, 0, 0]) == 0.0
    assert float(forced.image[0, 0, 4:24, 4:24].mean()) > 0.85
    colour = read_image(_png_of(np.full((4, 4, 3), (255, 0, 0))), COLOUR_SHAPE, invert=True)
    assert colour.inverted
    assert torch.allclose(colour.image[0, :, 16, 16], torch.tensor([0.0, 1.0, 1.0]), atol=1e-4)  # red became cyan


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation():
    picture = Image.new("L", (60, 30), 255)
    ImageDraw.Draw(picture).rectangle([10, 12, 49, 17], fill=0)  # a dark horizontal bar, 40 x 6, as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; shown rotated 90 degrees, the bar is upright
    result = read_image(_encode(picture, "JPEG", quality=95, exif=exif), MNIST_SHAPE)
    assert result.original_size == (60, 30)  # as stored in the file
    rows, cols = torch.nonzero(result.image[0, 0] > 0.5, as_tuple=True)
    assert int(rows.max() - rows.min()) >= 18 and int(cols.max() - cols.min()) <= 5  # a tall stroke, not a wide one


def test_a_wide_colour_picture_keeps_its_middle_columns():
    wide = np.repeat(_FOUR_COLOURS[None], 2, axis=0)  # 2 rows x 4 columns: the square middle is green | blue
    image = read_image(_png_of(wide), COLOUR_SHAPE).image[0]
    assert float(image.min()) == 0.0 and float(image.max()) == 1.0  # the resampling's overshoot at the edge is clamped
    assert torch.allclose(image[:, 16, 0], torch.tensor([0.0, 1.0, 0.0]), atol=1e-3)
    assert torch.allclose(image[:, 16, 31], torch.tensor([0.0, 0.0, 1.0]), atol=1e-3)


def test_a_tall_colour_picture_keeps_its_middle_rows():
    tall = np.repeat(_FOUR_COLOURS[:, None], 2, axis=1)  # 4 rows x 2 columns: the square middle is green over blue
    image = read_image(_png_of(tall), COLOUR_SHAPE).image[0]
    assert torch.allclose(image[:, 0, 16], torch.tensor([0.0, 1.0, 0.0]), atol=1e-3)
    assert torch.allclose(image[:, 31, 16], torch.tensor([0.0, 0.0, 1.0]), atol=1e-3)


@pytest.mark.parametrize("mode, colour", [("LA", (0, 0)), ("RGBA", (0, 0, 0, 0))])
def test_transparent_pixels_are_white_paper_whatever_their_hidden_colour(mode, colour):
    picture = Image.new(mode, (30, 30), colour)  # fully transparent black
    assert read_image(_encode(picture, "PNG"), MNIST_SHAPE).inverted  # seen as white paper: inverted to black
    shown = read_image(_encode(picture, "PNG"), COLOUR_SHAPE, invert=False).image
    assert float(shown.min()) == 1.0


def test_a_palette_picture_with_a_transparent_entry_is_white_paper_there():
    picture = Image.new("P", (30, 30), 0)
    picture.putpalette([0, 0, 0] * 256)
    data = _encode(picture, "PNG", transparency=0)
    assert float(read_image(data, COLOUR_SHAPE, invert=False).image.min()) == 1.0


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
    with pytest.raises(ModelRejected, match="1 entry is not a named tensor "):  # one entry: the verb agrees
        read_weights(_torch_save({"layer": [1, 2, 3]}))


def _model_rejection(call, *args) -> str:
    with pytest.raises(ModelRejected) as refused:
        call(*args)
    return str(refused.value)


_REFUSED_UNREAD = (", and was refused unread: loading it could run code on the server. Save only the weights "
                   "(torch.save(model.state_dict(), 'model.pt')) or use safetensors.")


def test_a_pickle_is_refused_with_the_global_it_asks_for_when_it_names_one(tmp_path):
    asks = _model_rejection(read_weights, pickle.dumps(_RunsCode(tmp_path / "x"), protocol=2))
    assert asks == f"This file contains Python objects, not just weights (it asks for {os.system.__module__}.system)" \
                   + _REFUSED_UNREAD
    assert _model_rejection(read_weights, _torch_save(slice(1, 2))) == \
        "This file contains Python objects, not just weights (it asks for slice)" + _REFUSED_UNREAD
    garbled = b"\x80\x02\xff\xff"  # a pickle with an unknown opcode: refused, naming nothing
    assert _model_rejection(read_weights, garbled) == "This file contains Python objects, not just weights" + _REFUSED_UNREAD


def test_the_model_file_refusals_are_whole_sentences():
    assert _model_rejection(read_weights, b"") == "The file is empty."
    assert _model_rejection(read_weights, _safetensors_of_size(20 * 1024 * 1024 + 1)) == \
        "The file is 21.0 MB; model files up to 20 MB are accepted."  # 20,971,521 bytes
    assert _model_rejection(read_weights, b"hello world, not a model") == (
        "This is neither a safetensors file nor a PyTorch weights file (.pt or .pth saved with torch.save). Upload "
        "the model's state_dict in one of those formats.")
    assert re.fullmatch(r"This PyTorch file could not be read \(\w+\); it may be damaged\.",
                        _model_rejection(read_weights, b"PK\x03\x04" + bytes(64)))
    no_weights = "The file holds no weights (expected a state_dict: layer names mapped to tensors)."
    assert _model_rejection(read_weights, _torch_save([torch.zeros(1)])) == no_weights
    assert _model_rejection(read_weights, _torch_save({})) == no_weights
    long_name = "x" * 70
    assert _model_rejection(read_weights, _torch_save({"w": torch.zeros(1), long_name: 1, "y": 2})) == \
        f"Not a state_dict: 2 entries are not named tensors (first: {'x' * 60!r})."


def test_the_smallest_safetensors_file_is_recognised_and_a_json_list_header_is_not():
    empty = struct.pack("<Q", 2) + b"{}"  # 10 bytes: a 2-byte header that fills the file, no tensors
    assert _model_rejection(read_weights, empty) == \
        "The file holds no weights (expected a state_dict: layer names mapped to tensors)."
    assert "neither" in _model_rejection(read_weights, struct.pack("<Q", 2) + b"[]")
    assert "neither" in _model_rejection(read_weights, struct.pack("<Q", 3) + b"{}")  # claims more than is there
    assert "neither" in _model_rejection(read_weights, struct.pack("<Q", 2) + b"{]")  # not JSON


def test_a_safetensors_file_whose_data_is_missing_is_damaged():
    header = json.dumps({"w": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}}).encode()
    sentence = _model_rejection(read_weights, struct.pack("<Q", len(header)) + header + bytes(4))  # 4 of 16 bytes
    assert sentence.startswith("This safetensors file is damaged: ") and len(sentence) > 40


def _as_if_saved_on_a_gpu(data: bytes) -> bytes:
    """torch.save's zip with each tensor's recorded device changed from 'cpu' to 'cuda:0' (no GPU needed)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename.endswith("data.pkl"):
                body = body.replace(b"X\x03\x00\x00\x00cpu", b"X\x06\x00\x00\x00cuda:0")  # pickle's BINUNICODE
            target.writestr(info.filename, body)
    return out.getvalue()


def test_weights_saved_on_a_gpu_are_read_onto_the_cpu():
    gpu_file = _as_if_saved_on_a_gpu(_torch_save({"w": torch.tensor([1.0, 2.0])}))
    assert b"cuda:0" in gpu_file
    state = read_weights(gpu_file)  # without a GPU here, reading it onto cuda:0 would fail
    assert state["w"].device.type == "cpu" and state["w"].tolist() == [1.0, 2.0]


def test_a_state_dict_wrapped_under_model_is_unwrapped(small_model):
    state = read_weights(_torch_save({"model": small_model.state_dict(), "epoch": 3}))
    assert list(state) == list(small_model.state_dict())


def test_weights_for_another_architecture_name_what_is_missing_and_unexpected(small_model):
    state = dict(small_model.state_dict())
    sentence = _model_rejection(model_from_weights, {k: v for k, v in state.items() if k != "fc2.bias"},
                                "small-cnn", MNIST_SHAPE, 10)
    assert sentence == ("These weights do not belong to the Small CNN (2 conv layers): 1 layer missing (first: "
                        "fc2.bias). Pick the architecture the model was trained as.")
    state["y" * 70] = torch.zeros(1)
    state["z"] = torch.zeros(1)
    assert _model_rejection(model_from_weights, state, "small-cnn", MNIST_SHAPE, 10) == (
        "These weights do not belong to the Small CNN (2 conv layers): 2 unexpected entries (first: "
        f"{'y' * 60}). Pick the architecture the model was trained as.")
    del state["fc2.weight"], state["z"]
    assert _model_rejection(model_from_weights, state, "small-cnn", MNIST_SHAPE, 10) == (
        "These weights do not belong to the Small CNN (2 conv layers): 1 layer missing (first: fc2.weight); "
        f"1 unexpected entry (first: {'y' * 60}). Pick the architecture the model was trained as.")


def test_a_shape_mismatch_names_the_layer_both_shapes_and_the_data_set(small_model):
    sentence = _model_rejection(model_from_weights, dict(small_model.state_dict()), "small-cnn", MNIST_SHAPE, 43)
    assert sentence == ("Layer fc2.weight has shape (10, 128), but the Small CNN (2 conv layers) for this data set "
                        "(1 colour channel, 28x28 pixels, 43 classes) needs (43, 128). Was it trained on another data "
                        "set?")


def test_a_broken_layer_is_named_in_its_refusal(small_model):
    state = dict(small_model.state_dict())
    state["fc1.bias"] = state["fc1.bias"].to(torch.int32)
    assert _model_rejection(model_from_weights, state, "small-cnn", MNIST_SHAPE, 10) == \
        "Layer fc1.bias holds torch.int32 numbers; weights must be floating point."
    state["fc1.bias"] = torch.full((128,), float("inf"))
    assert _model_rejection(model_from_weights, state, "small-cnn", MNIST_SHAPE, 10) == \
        "Layer fc1.bias contains NaN or infinite values: this model is broken."
    assert _model_rejection(model_from_weights, state, "resnet-9000", MNIST_SHAPE, 10) == \
        "Unknown architecture 'resnet-9000'; choose one of small-cnn, color-cnn."


def test_half_precision_weights_are_accepted_as_float32(small_model):
    # as another program would save them: safetensors stores only tensors in the default layout
    half = {k: v.half().contiguous() for k, v in small_model.state_dict().items()}
    model = model_from_weights(read_weights(to_safetensors_dict(half)), "small-cnn", MNIST_SHAPE, 10)
    assert next(model.parameters()).dtype == torch.float32


def to_safetensors_dict(state: dict) -> bytes:
    from safetensors.torch import save

    return save(state)
