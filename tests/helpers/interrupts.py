"""Interruptions in the middle of a call: Ctrl-C (SIGINT) during a training step, a kill inside a bench."""

import signal


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
