"""Tuning of a whole process that runs bulk work: the import worker, the import command and
the benchmarks call ``tune_for_bulk_work()`` once, where they start.

Domain code never changes these: each changes the whole process, and a worker may run two
imports at once, each in its own thread.
"""

from __future__ import annotations

import ctypes
import gc
import sys


def tune_for_bulk_work() -> None:
    """Collect cyclic garbage rarely and switch threads often; measured in
    ``bench/import_enrollment.py`` (``docs/benchmarks.md``).

    - An import makes millions of acyclic objects: with the default thresholds, full
      collections over the chunks held in memory cost more than validating them.
    - The import's writer threads wait on PostgreSQL while the reading thread holds the
      GIL: a 1 ms switch interval (5 ms by default) gives a writer its turn back sooner.
    """
    gc.set_threshold(200_000, 50, 1_000)
    sys.setswitchinterval(0.001)


def give_back_memory() -> None:
    """Return the heap the process has freed to the system (after each import).

    glibc keeps freed memory in the process. A worker runs one import after another in one
    process: after a province's CSV it held 205 MB, and 144 MB once the freed heap was given
    back; the next workbook read whole by calamine started from there. ``malloc_trim``
    takes milliseconds. Elsewhere than on glibc this does nothing.
    """
    try:
        trim = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
