"""Interruptions in the middle of a call: Ctrl-C (SIGINT) during a training step, a kill inside a bench."""

import signal


def ctrl_c_reaches_this_process() -> None:
    """Python's own SIGINT handler when this process was started ignoring SIGINT (by nohup, or as a shell's
    background job): the Ctrl-C tests send it SIGINT, and a process that ignores it keeps ignoring it
    (posynda.runstate.stop_on_interrupt)."""
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def ctrl_c_on_call(fn, call: int):
    """``fn`` wrapped to send this process a SIGINT (Ctrl-C) during its ``call``-th call (1-based),
    the way a user presses it in the middle of a training step."""
    calls = []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:  # to the main thread itself: handled now, not whenever another thread gets it
            signal.raise_signal(signal.SIGINT)
        return fn(*args, **kwargs)

    return wrapped


class Stopped(BaseException):
    """What a kill looks like from inside a bench: not an Exception, so nothing catches it on the way out."""


def stop_at_call(monkeypatch, module, name: str, call: int, error: type[BaseException] = Stopped) -> None:
    """``module.name`` raising ``error`` on its ``call``-th call (1-based); the calls before go through."""
    real, calls = getattr(module, name), []

    def wrapped(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
