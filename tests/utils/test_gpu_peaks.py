"""lib/utils/gpu_peaks.py: the peak table lookup and the fraction of the peak a measured speed reaches."""
from __future__ import annotations

from lib.utils.gpu_peaks import peak_fraction, peak_tflops


def test_names_as_torch_reports_them_find_their_peaks():
    assert peak_tflops("NVIDIA H200", "bf16") == 989.4
    assert peak_tflops("NVIDIA H100 80GB HBM3", "fp32") == 67.0
    assert peak_tflops("NVIDIA H100 PCIe", "fp32") == 51.2  # not the SXM row
    assert peak_tflops("NVIDIA A100-SXM4-80GB", "tf32") == 156.0
    assert peak_tflops("NVIDIA GeForce RTX 3050", "fp32") is None


def test_fraction_is_flops_per_second_over_the_peak():
    # 10 GFLOP per frame at 600 frames/s = 6 TFLOPS, of a 67 TFLOPS peak
    assert peak_fraction(10e9, 600.0, "NVIDIA H200", "fp32") == "8.96% of the NVIDIA H200 fp32 peak (67 TFLOPS)"
    assert "unknown" in peak_fraction(10e9, 600.0, "Some GPU", "fp32")
