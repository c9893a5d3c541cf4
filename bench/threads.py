"""CPU threads on an idle and on a busy machine: posynda's default against PyTorch's and against one thread.

    posynda bench threads [--quick] [--load N] [--repeats R] [--out DIR] [--save]

A thread policy is fixed when a process loads torch, so every measurement runs in a fresh worker
process (``python -m posynda.bench.threads WORKLOAD``) with the policy's environment:

- ``posynda``: what the command line does (:mod:`posynda.threads`): as many threads as cores are idle
  when the process starts (at least 1, at most the physical cores), OpenMP's spin shortened to
  ``GOMP_SPINCOUNT`` = :data:`posynda.threads.SPIN_COUNT`;
- ``pytorch``: PyTorch's own default: the physical cores, libgomp's default spin (about 300,000
  iterations before a waiting thread sleeps);
- ``one-thread``: ``OMP_NUM_THREADS=1``.

Workloads (the shipped ``cpu`` model, the embedded domains): ``adapt-step`` (one PoSynDA step with the
default settings: H = 3 teacher, 24 + 8 clips, Adam), ``lift`` (the torch ``Lifter`` on 2,000 frames of
wild/test, H = 1, K = 1, flip), ``denoiser-b1`` (one forward of the ``tiny`` MixSTE at batch 1).

Each workload and policy is timed idle and then **under load**: ``--load`` other processes (default:
one per physical core) each running PyTorch matrix products with PyTorch's default threads, as
another user's training job would. ``slowdown`` is the loaded time over the idle time of the same
policy; ``vs posynda idle`` compares every cell with posynda's default on the idle machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from contextlib import contextmanager

from posynda.environment import load_average, machine_info
from posynda.report import markdown_table
from posynda.threads import SPIN_COUNT, THREADS_ENV, WAIT_SETTINGS, physical_cores

WORKLOADS = ("adapt-step", "lift", "denoiser-b1")
QUICK_WORKLOADS = ("adapt-step", "denoiser-b1")
POLICIES = ("posynda", "pytorch", "one-thread")
# timed repeats per workload (after a warm-up of the same kind), full and --quick
REPEATS = {"adapt-step": (10, 4), "lift": (5, 2), "denoiser-b1": (60, 20)}
LIFT_FRAMES = 2000
LOAD_CODE = "import torch\na = torch.randn(384, 384)\nwhile True:\n    b = a @ a\n"


def policy_env(policy: str) -> dict[str, str]:
    """The environment of a worker under ``policy`` (the thread settings of this process removed first)."""
    env = {k: v for k, v in os.environ.items() if k not in (*WAIT_SETTINGS, THREADS_ENV)}
    if policy == "posynda":
        env["GOMP_SPINCOUNT"] = str(SPIN_COUNT)
    elif policy == "one-thread":
        env[THREADS_ENV] = "1"
    elif policy != "pytorch":
        raise ValueError(f"unknown thread policy {policy!r}; choose from {POLICIES}")
    return env


@contextmanager
def busy_machine(processes: int):
    """``processes`` other PyTorch jobs (default threads and spin) keeping the cores busy while inside."""
    env = {k: v for k, v in os.environ.items() if k not in (*WAIT_SETTINGS, THREADS_ENV)}
    workers = [
        subprocess.Popen([sys.executable, "-c", LOAD_CODE], env=env, stdout=subprocess.DEVNULL)
        for _ in range(processes)
    ]
    try:
        time.sleep(2.0)  # let them start and spin up their thread pools
        yield
    finally:
        for worker in workers:
            worker.kill()
        for worker in workers:
            worker.wait()


def run_worker(workload: str, policy: str, repeats: int, timeout: float = 900.0) -> dict:
    """Time ``workload`` in a fresh process under ``policy``: ``{median_ms, threads, samples}``."""
    command = [sys.executable, "-m", "posynda.bench.threads", workload, str(repeats), policy]
    done = subprocess.run(command, env=policy_env(policy), capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"bench threads worker {workload} ({policy}) failed: {tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run(
    quick: bool = False,
    load: int | None = None,
    repeats: int | None = None,
    workloads: tuple[str, ...] | None = None,
    policies: tuple[str, ...] = POLICIES,
    log=print,
    on_row=None,
) -> dict:
    """Every (workload, policy) idle and under load; ``on_row(result)`` after each finished row."""
    load = physical_cores() if load is None else load
    workloads = workloads or (QUICK_WORKLOADS if quick else WORKLOADS)
    result = {
        "machine": machine_info(),
        "load_processes": load,
        "spin_count": SPIN_COUNT,
        "quick": quick,
        "rows": [],
    }
    cells = {}
    for scenario in ("idle", "loaded"):
        context = busy_machine(load) if scenario == "loaded" else _nothing()
        with context:
            result[f"load_average_1min_{scenario}"] = load_average()
            for workload in workloads:
                count = repeats or REPEATS[workload][1 if quick else 0]
                for policy in policies:
                    log(f"bench threads: {workload}, {policy}, {scenario} ...")
                    cells[(workload, policy, scenario)] = run_worker(workload, policy, count)
                    if scenario == "loaded":
                        result["rows"].append(_row(cells, workload, policy))
                        if on_row is not None:
                            on_row(result)
    return result


@contextmanager
def _nothing():
    yield


def _row(cells: dict, workload: str, policy: str) -> dict:
    idle, loaded = cells[(workload, policy, "idle")], cells[(workload, policy, "loaded")]
    reference = cells.get((workload, "posynda", "idle"), idle)
    return {
        "workload": workload,
        "policy": policy,
        "threads_idle": idle["threads"],
        "threads_loaded": loaded["threads"],
        "idle_ms": idle["median_ms"],
        "loaded_ms": loaded["median_ms"],
        "slowdown": loaded["median_ms"] / idle["median_ms"],
        "idle_vs_posynda": idle["median_ms"] / reference["median_ms"],
        "loaded_vs_posynda_idle": loaded["median_ms"] / reference["median_ms"],
    }


def markdown(result: dict) -> str:
    """The table of a :func:`run` result."""
    m = result["machine"]
    rows = [
        [r["workload"], r["policy"], f"{r['threads_idle']} / {r['threads_loaded']}", f"{r['idle_ms']:.1f}",
         f"{r['loaded_ms']:.1f}", f"{r['slowdown']:.2f}x", f"{r['idle_vs_posynda']:.2f}x",
         f"{r['loaded_vs_posynda_idle']:.2f}x"]
        for r in result["rows"]
    ]  # fmt: skip
    headers = ["workload", "threads policy", "threads idle / loaded", "idle ms", "loaded ms", "slowdown",
               "idle vs posynda", "loaded vs posynda idle"]  # fmt: skip
    lines = [
        "# CPU threads, idle and under load",
        "",
        f"Machine: {m['cpu']} ({m['physical_cores']} physical cores, {m['cpu_count']} logical); torch "
        f"{m['versions'].get('torch')}. Loaded: {result['load_processes']} other processes, each PyTorch matrix "
        f"products with its default threads (1-min load average {result.get('load_average_1min_loaded')}). "
        f"posynda's policy: the cores idle at start, GOMP_SPINCOUNT={result['spin_count']}; pytorch: physical cores, "
        "libgomp's default spin; one-thread: OMP_NUM_THREADS=1. Medians of fresh worker processes.",
        "",
        markdown_table(headers, rows),
    ]
    return "\n".join(lines) + "\n"


# ---- the worker: one workload, timed in this process -------------------------------------------------


def _time(call, repeats: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t0) * 1000.0)
    return samples


def _workload(name: str):
    """A zero-argument callable doing one unit of ``name`` (imports here: the worker's environment decides the
    threads before torch loads)."""
    import torch  # noqa: PLC0415

    from posynda.checkpoint import load_checkpoint  # noqa: PLC0415
    from posynda.data import load_clips  # noqa: PLC0415
    from posynda.defaults import default_clips_path, shipped_checkpoint  # noqa: PLC0415

    if name == "denoiser-b1":
        from posynda.models import PRESETS, build_denoiser, example_inputs  # noqa: PLC0415

        model = build_denoiser(PRESETS["tiny"]).eval()
        inputs = example_inputs(1, PRESETS["tiny"].frames)

        def forward():
            with torch.inference_mode():
                model(*inputs)

        return forward
    if name == "lift":
        from posynda.runtime import Lifter, SamplingSettings  # noqa: PLC0415

        lifter = Lifter(shipped_checkpoint(), device="cpu")
        clips = load_clips(default_clips_path("wild", "test")).without_3d()
        bounds = clips.sequence_bounds()
        ids = [s for s in range(clips.num_sequences) if bounds[s][0] < LIFT_FRAMES]
        clips = clips.select_sequences(ids)
        return lambda: lifter.lift(clips, SamplingSettings())
    if name == "adapt-step":
        from posynda.adapt import AdaptSettings, adaptation_step, build_student, domain_sampler  # noqa: PLC0415
        from posynda.adapt.step import StepDraws  # noqa: PLC0415
        from posynda.diffusion import DDIMScheduler  # noqa: PLC0415

        base = load_checkpoint(shipped_checkpoint())
        settings = AdaptSettings()
        src = domain_sampler(load_clips(default_clips_path("studio", "train")), base.config.frames, labelled=True)
        target = load_clips(default_clips_path("wild", "train")).without_3d()
        tgt = domain_sampler(target, base.config.frames, labelled=False)
        torch.manual_seed(0)
        student = build_student(base, settings)
        optimizer = torch.optim.Adam([p for p in student.parameters() if p.requires_grad], lr=settings.learning_rate)
        scheduler = DDIMScheduler(base.diffusion)
        draws = StepDraws.draw(0, 0, settings, len(src), len(tgt), base.diffusion.num_train_timesteps)
        return lambda: adaptation_step(
            student, student, optimizer, scheduler, src, tgt, draws, settings, student, "fp32", None
        )
    raise ValueError(f"unknown workload {name!r}; choose from {WORKLOADS}")


def _worker(argv: list[str]) -> None:
    import torch  # noqa: PLC0415

    name, repeats, policy = argv[0], int(argv[1]), argv[2]
    if policy == "posynda":  # the command line's choice: the cores idle now (the spin came with the environment)
        from posynda.threads import use_threads  # noqa: PLC0415

        use_threads(None)
    call = _workload(name)
    samples = sorted(_time(call, repeats))
    print(json.dumps({"median_ms": samples[len(samples) // 2], "threads": torch.get_num_threads(), "samples": samples}))


if __name__ == "__main__":
    _worker(sys.argv[1:])
