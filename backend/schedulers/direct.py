"""The `direct` scheduler: the job runs as a background shell in its own process group.

Its pid is the job id; `ps` tells whether it still runs; kill signals the whole group, so no
child of the job is left behind. Polled every 2 s by default (`poll_interval`), and 0.1 s after a
new job (`first_poll_delay`), since asking `ps` costs next to nothing.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from provtop.transports import Transport

from .base import STDERR_NAME, STDOUT_NAME, JobInfo, JobState, JobTemplate, Scheduler, SchedulerError


class DirectScheduler(Scheduler):
    name = "direct"
    # `ps` on one host is cheap: poll often, and look at a new job almost at once.
    default_poll_interval = 2.0
    default_first_poll_delay = 0.1

    def header_lines(self, template: JobTemplate) -> list[str]:
        lines = [f"# provtop job {template.job_name} (direct scheduler)"]
        if template.resources.wallclock_seconds:
            # The direct scheduler enforces the wall time itself: CPU seconds are the closest limit.
            lines.append(f"ulimit -t {template.resources.wallclock_seconds}")
        lines.extend(template.resources.extra_lines)
        return lines

    def submit_command(self, script_name: str) -> str:
        script = shlex.quote(script_name)
        return f"setsid nohup /bin/bash {script} > {STDOUT_NAME} 2> {STDERR_NAME} < /dev/null & echo $!"

    def parse_submit(self, exit_code: int, stdout: str, stderr: str) -> str:
        pid = stdout.strip().splitlines()[-1] if stdout.strip() else ""
        if exit_code != 0 or not pid.isdigit():
            raise SchedulerError(f"starting the job failed (exit {exit_code}): {stderr.strip() or stdout.strip()}")
        return pid

    async def poll(self, transport: Transport, job_ids: Sequence[str]) -> dict[str, JobInfo]:
        ids = [job_id for job_id in dict.fromkeys(job_ids) if job_id.isdigit()]
        found: dict[str, str] = {}
        if ids:
            code, stdout, stderr = await self.run(transport, ["ps", "-o", "pid=", "-o", "stat=", "-p", ",".join(ids)])
            if code not in (0, 1) or (code == 1 and stdout.strip()):
                raise SchedulerError(f"ps failed (exit {code}): {stderr.strip()}")
            for line in stdout.splitlines():
                parts = line.split()
                if len(parts) >= 2:
                    found[parts[0]] = parts[1]
        return {job_id: _info(job_id, found.get(job_id)) for job_id in job_ids}

    async def kill(self, transport: Transport, job_id: str) -> None:
        if not job_id.isdigit():
            raise SchedulerError(f"'{job_id}' is not a process id")
        signal_group = f"kill -TERM -- -{job_id} 2>/dev/null || kill -TERM {job_id}"
        code, _, stderr = await self.run(transport, ["sh", "-c", signal_group])
        if code != 0 and "No such process" not in stderr:
            status = await self.poll(transport, [job_id])
            if status[job_id].state is not JobState.DONE:
                raise SchedulerError(f"kill {job_id} failed: {stderr.strip()}")


def _info(job_id: str, stat: str | None) -> JobInfo:
    if stat is None or stat.startswith("Z"):
        return JobInfo(job_id=job_id, state=JobState.DONE, raw_state=stat or "gone")
    if stat.startswith("T"):
        return JobInfo(job_id=job_id, state=JobState.SUSPENDED, raw_state=stat)
    return JobInfo(job_id=job_id, state=JobState.RUNNING, raw_state=stat)
