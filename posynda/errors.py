"""User-facing error types.

``InputError`` means the user gave something posynda cannot use (bad shapes, NaN keypoints, missing
keys, corrupt or mismatched checkpoints, ...). The CLI turns it into one line on stderr and exit
code 2; any other exception is an internal failure (exit code 1). Ctrl-C exits with code 130 and
one line; a training loop stopped by it raises ``RunInterrupted``, whose message says where its
checkpoint is and how to resume.
"""


class InputError(ValueError):
    """Bad user input: the message is one line that names the problem (file, key, shape).

    The library speaks of its own parameters, not of command-line flags: a message about a parameter
    starts with its name and passes it as ``parameter`` (``InputError("rank must be >= 1, got 0",
    parameter="rank")``); the command line shows the flag instead (``--rank must be >= 1, got 0``,
    :mod:`posynda.cli.lazy`), a Python caller sees the name it passed.
    """

    def __init__(self, message: str, parameter: str | None = None):
        super().__init__(message)
        self.parameter = parameter


class RunInterrupted(KeyboardInterrupt):
    """A training run stopped by Ctrl-C after a whole step, with its state saved: the message says
    the step and how to continue (``--resume``)."""
