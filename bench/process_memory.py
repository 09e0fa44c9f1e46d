"""Peak memory of a process tree, per process and in total, sampled from /proc (Linux).

Two measures, both sampled at the same instants:

* RSS: pages each process has resident. Summed over a tree it counts a page
  shared by several processes once per process: the shared libraries every
  Python process maps, and the pages forked workers share copy-on-write with
  the process they were forked from (the classifier loaded once in the fork
  server). The sum overstates what the tree costs the machine.
* PSS (proportional set size, /proc/PID/smaps_rollup): each page divided by
  the number of processes sharing it. Summed over the tree it is the physical
  memory the tree holds (pages shared with processes outside the tree count
  for their share only). This is the honest figure for a tree whose workers
  share pages; for one process it is its RSS less its share of libraries.

The peak of a sum is the largest sum seen at one instant (not the sum of the
processes' peaks, which happen at different times); what each process held at
that instant (the PSS peak's) is kept too, with when it was: the parts of the figure the goal
is about, and whether they came during the crawl or after it.
"""

from __future__ import annotations

import glob
import os
import threading
import time


def _read(path: str) -> str:
    try:
        with open(path, "rb") as fh:
            return fh.read().decode("ascii", "replace")
    except OSError:
        return ""


def _kib(text: str, field: str) -> int:
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def tree(root: int) -> dict[int, int]:
    """pid → parent pid for ``root`` and its living descendants."""
    parents = {}
    for status in glob.glob("/proc/[0-9]*/stat"):
        text = _read(status)
        if not text:
            continue
        pid = int(text.split(" ", 1)[0])
        parents[pid] = int(text.rsplit(")", 1)[1].split()[1])
    found = {root: parents.get(root, 0)}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found[pid] = parent
                grew = True
    return found


class ProcessTreeMemory:
    """Samples RSS and PSS of this process and its descendants every ``every`` s in a thread.

    ``name(pid, parent, cmdline)`` gives each process the role it is reported under.
    """

    def __init__(self, name, every: float = 0.2) -> None:
        self._name = name
        self._every = every
        self._names: dict[int, str] = {}
        self.peak_by_role: dict[str, dict[str, float]] = {}
        self.peak_total = {"rss": 0, "pss": 0}
        self.at_peak: dict[str, dict[str, float]] = {}  # role → its memory when the PSS sum peaked
        self._started = time.monotonic()
        self.peak_seconds = 0.0  # when the PSS sum peaked, in seconds since sampling started
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)
        self._thread.start()

    def _role(self, pid: int, parent: int) -> str:
        if pid not in self._names:
            cmdline = _read(f"/proc/{pid}/cmdline").replace("\0", " ").strip()
            role = self._name(pid, parent, cmdline, self._names.get(parent, ""))
            taken = set(self._names.values())
            if role in taken or role.endswith(" "):
                role = role.strip()
                n = 1
                while f"{role} {n}" in taken:
                    n += 1
                role = f"{role} {n}"
            self._names[pid] = role
        return self._names[pid]

    def sample(self) -> None:
        total = {"rss": 0, "pss": 0}
        now: dict[str, dict[str, float]] = {}
        for pid, parent in sorted(tree(os.getpid()).items()):
            rss = _kib(_read(f"/proc/{pid}/status"), "VmRSS")
            pss = _kib(_read(f"/proc/{pid}/smaps_rollup"), "Pss")
            if not rss:
                continue  # ended between the listing and the read
            role = self._role(pid, parent)
            peak = self.peak_by_role.setdefault(role, {"rss": 0, "pss": 0})
            peak["rss"], peak["pss"] = max(peak["rss"], rss), max(peak["pss"], pss)
            total["rss"] += rss
            total["pss"] += pss
            now[role] = {"rss": rss, "pss": pss}
        if total["pss"] > self.peak_total["pss"]:
            self.at_peak = now
            self.peak_seconds = time.monotonic() - self._started
        for key in total:
            self.peak_total[key] = max(self.peak_total[key], total[key])

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._every)

    def stop(self) -> dict:
        """{"total": {"rss": MiB, "pss": MiB}, "by_role": {role: {"rss": MiB, "pss": MiB}},
        "at_peak": {role: {"rss": MiB, "pss": MiB}}, "peak_seconds": s, "seconds": s} (peaks; at_peak:
        what each process held when the PSS sum peaked, peak_seconds after sampling started, which
        lasted seconds)."""
        self._stop.set()
        self._thread.join()
        self.sample()

        def mib(d: dict) -> dict:
            return {k: round(v / 1024, 1) for k, v in d.items()}

        return {"total": mib(self.peak_total), "by_role": {r: mib(v) for r, v in self.peak_by_role.items()},
                "at_peak": {r: mib(v) for r, v in self.at_peak.items()},
                "peak_seconds": round(self.peak_seconds, 1),
                "seconds": round(time.monotonic() - self._started, 1)}
