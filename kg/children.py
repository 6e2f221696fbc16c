"""Child processes that die with their parent, whatever kills the parent.

Why: the build starts JVMs (HermiT through owlready2, the OWL API checker). Killed with ``kill -9``, the
build has no chance to stop them, so they must ask the kernel themselves: ``PR_SET_PDEATHSIG`` sends
them SIGKILL when the process that started them dies.
"""

from __future__ import annotations

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


class DieWithParent:
    """A ``preexec_fn`` for subprocess: the child gets SIGKILL when the process that made this dies."""

    def __init__(self) -> None:
        self.parent = os.getpid()

    def __call__(self) -> None:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            return
        if os.getppid() != self.parent:  # the parent died before the request took effect
            os._exit(1)


def bind_owlready2_children() -> None:
    """Make owlready2's reasoner JVMs (HermiT, Pellet) die with this process too.

    owlready2 passes its module-level ``_subprocess_kargs`` to every subprocess it starts.
    """
    from owlready2 import reasoning

    reasoning._subprocess_kargs["preexec_fn"] = DieWithParent()
