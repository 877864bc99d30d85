"""GPU facts through NVML (nvidia-ml-py's `pynvml`), or an empty list with the reason."""

from __future__ import annotations


def gpu_facts() -> tuple[list[dict], str]:
    try:
        import pynvml  # noqa: PLC0415  (optional: only on GPU machines)
    except ImportError:
        return [], "NVML bindings not installed (pip install nvidia-ml-py)"
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as exc:
        return [], f"NVML unavailable: {exc}"
    try:
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle)
            utilization = pynvml.nvmlDeviceGetUtilizationRates(handle)
            gpus.append(
                {
                    "index": index,
                    "name": name.decode() if isinstance(name, bytes) else name,
                    "memory_total_mib": memory.total // (1024 * 1024),
                    "memory_used_mib": memory.used // (1024 * 1024),
                    "utilization_pct": utilization.gpu,
                }
            )
        return gpus, "" if gpus else "NVML found no GPU"
    except pynvml.NVMLError as exc:
        return [], f"NVML error: {exc}"
    finally:
        pynvml.nvmlShutdown()
