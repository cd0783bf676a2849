"""Peak dense arithmetic rates of known GPUs, to state a measured speed as a fraction of the physical limit.

Figures are the vendors' datasheet peaks without sparsity, in TFLOPS (10^12 floating-point operations per
second, one multiply-add = 2), per tracking precision (``lib/utils/device.py``): ``fp32`` on the CUDA cores,
``tf32``/``bf16``/``fp16`` on the tensor cores.
"""
from __future__ import annotations

#: (substring of ``torch.cuda.get_device_name()``, {precision: peak TFLOPS}); the first match wins
PEAK_TFLOPS: tuple[tuple[str, dict[str, float]], ...] = (
    ("H200", {"fp32": 67.0, "tf32": 494.7, "bf16": 989.4, "fp16": 989.4}),
    ("H100 PCIe", {"fp32": 51.2, "tf32": 378.0, "bf16": 756.0, "fp16": 756.0}),
    ("H100", {"fp32": 67.0, "tf32": 494.7, "bf16": 989.4, "fp16": 989.4}),  # SXM
    ("A100", {"fp32": 19.5, "tf32": 156.0, "bf16": 312.0, "fp16": 312.0}),
)


def peak_tflops(gpu_name: str, precision: str) -> float | None:
    """The peak TFLOPS of ``gpu_name`` at ``precision``; None for a GPU (or precision) not in the table."""
    for key, peaks in PEAK_TFLOPS:
        if key in gpu_name:
            return peaks.get(precision)
    return None


def peak_fraction(flops_per_frame: float, frames_per_second: float, gpu_name: str, precision: str) -> str:
    """``'1.23% of the NVIDIA H200 bf16 peak (989.4 TFLOPS)'``, or a sentence saying the peak is unknown."""
    peak = peak_tflops(gpu_name, precision)
    if peak is None:
        return f"peak of {gpu_name} at {precision} unknown (not in lib/utils/gpu_peaks.py)"
    return (f"{100 * flops_per_frame * frames_per_second / (peak * 1e12):.2f}% of the {gpu_name} {precision} peak "
            f"({peak:g} TFLOPS)")
