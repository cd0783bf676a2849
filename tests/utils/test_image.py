"""read_image / decode_image: RGB uint8 from jpeg4py or OpenCV, errors naming the file."""
import cv2
import numpy as np
import pytest

from lib.utils.image import ImageDecodeError, decode_image, read_image, turbojpeg_available

needs_turbojpeg = pytest.mark.skipif(not turbojpeg_available(),
                                     reason="libturbojpeg not loadable: jpeg4py path unavailable (OpenCV is used)")


def textured_bgr(height=37, width=53, seed=0):
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur((rng.random((height, width, 3)) * 255).astype(np.uint8), (5, 5), 1.5)


@pytest.mark.parametrize("use_turbojpeg", [False, pytest.param(True, marks=needs_turbojpeg)])
def test_channels_are_rgb(tmp_path, use_turbojpeg):
    bgr = np.zeros((16, 24, 3), np.uint8)
    bgr[:, :12] = (0, 0, 255)  # red left half, blue right half
    bgr[:, 12:] = (255, 0, 0)
    cv2.imwrite(str(tmp_path / "a.jpg"), bgr, [cv2.IMWRITE_JPEG_QUALITY, 100])
    rgb = read_image(tmp_path / "a.jpg", use_turbojpeg=use_turbojpeg)
    assert rgb.shape == (16, 24, 3) and rgb.dtype == np.uint8
    assert rgb[8, 3, 0] > 240 and rgb[8, 3, 2] < 15
    assert rgb[8, 20, 2] > 240 and rgb[8, 20, 0] < 15


@needs_turbojpeg
@pytest.mark.parametrize("quality,gray", [(95, False), (40, False), (90, True)])
def test_jpeg4py_and_opencv_decode_identically(tmp_path, quality, gray):
    image = textured_bgr()
    if gray:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    path = tmp_path / "t.jpg"
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    turbo = read_image(path, use_turbojpeg=True)
    opencv = read_image(path, use_turbojpeg=False)
    assert turbo.shape == opencv.shape == (37, 53, 3)
    assert np.array_equal(turbo, opencv)


def test_png_is_lossless_rgb(tmp_path):
    bgr = textured_bgr(seed=3)
    cv2.imwrite(str(tmp_path / "t.png"), bgr)
    assert np.array_equal(read_image(tmp_path / "t.png"), bgr[:, :, ::-1])


def test_decode_image_matches_read_image(tmp_path):
    path = tmp_path / "t.jpg"
    cv2.imwrite(str(path), textured_bgr(seed=1))
    assert np.array_equal(decode_image(path.read_bytes(), "mem"), read_image(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="image not found: .*nope.jpg"):
        read_image(tmp_path / "nope.jpg")


@pytest.mark.parametrize("use_turbojpeg", [False, pytest.param(True, marks=needs_turbojpeg)])
@pytest.mark.parametrize("content", [b"", b"\xff\xd8\xff\xe0 garbage after a JPEG marker", b"plain text"])
def test_corrupt_file_is_named(tmp_path, use_turbojpeg, content):
    path = tmp_path / "broken.jpg"
    path.write_bytes(content)
    with pytest.raises(ImageDecodeError, match="broken.jpg"):
        read_image(path, use_turbojpeg=use_turbojpeg)


@needs_turbojpeg
def test_truncated_jpeg_is_an_error_with_jpeg4py(tmp_path):
    path = tmp_path / "cut.jpg"
    cv2.imwrite(str(path), textured_bgr(seed=2))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ImageDecodeError, match="cut.jpg"):
        read_image(path, use_turbojpeg=True)


@pytest.mark.parametrize("use_turbojpeg", [False, pytest.param(True, marks=needs_turbojpeg)])
def test_exif_orientation_is_ignored(tmp_path, use_turbojpeg):
    from PIL import Image

    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    Image.fromarray(textured_bgr(20, 40)[:, :, ::-1].copy()).save(tmp_path / "r.jpg", exif=exif.tobytes())
    assert read_image(tmp_path / "r.jpg", use_turbojpeg=use_turbojpeg).shape == (20, 40, 3)


@needs_turbojpeg
def test_valid_images_still_decode_after_a_corrupt_one(tmp_path):
    good, cut = tmp_path / "good.jpg", tmp_path / "cut.jpg"
    cv2.imwrite(str(good), textured_bgr(seed=4))
    cut.write_bytes(good.read_bytes()[:200])  # header error inside libturbojpeg
    expected = read_image(good, use_turbojpeg=False)
    for _ in range(3):
        with pytest.raises(ImageDecodeError):
            read_image(cut, use_turbojpeg=True)
        assert np.array_equal(read_image(good, use_turbojpeg=True), expected)
