"""Peak resident memory of a child process, read the one way that is not inherited.

On Linux a forked child's `getrusage(RUSAGE_SELF).ru_maxrss` starts at its
parent's peak, so a test process that has already loaded TensorFlow would
see ~1 GiB in every child.  `VmHWM` in /proc/self/status counts the child's
own pages only.
"""

#: Python source defining `peak_rss_kib()`, for scripts run with `python -c`
PEAK_RSS_SOURCE = (
    "def peak_rss_kib():\n"
    "    with open('/proc/self/status') as status:\n"
    "        return next(int(line.split()[1]) for line in status if line.startswith('VmHWM:'))\n"
)
