"""Stashing files on the computer itself: a copy that keeps relative paths, or one tar archive."""

from __future__ import annotations

import posixpath

from provtop.transports import Transport

from ..processes.calcjob import StashOptions
from .errors import StashFailed


async def stash_files(transport: Transport, stash: StashOptions, source_dir: str, target: str) -> None:
    """Stash what `stash.source_list` matches in `source_dir` to `target` (a folder, or the archive path).

    Matches keep their paths relative to `source_dir`; nothing matched at all is a failure, not an empty stash.
    """
    matches: list[str] = []
    for pattern in stash.source_list:
        matches.extend(await transport.glob(posixpath.join(source_dir, pattern)))
    if not matches:
        raise StashFailed(f"nothing in {source_dir} matches {', '.join(stash.source_list)}")
    if stash.stash_mode == "copy":
        await transport.mkdir(target, parents=True)
        for match in dict.fromkeys(matches):
            destination = posixpath.join(target, posixpath.relpath(match, source_dir))
            await transport.mkdir(posixpath.dirname(destination), parents=True)
            await transport.copy(match, destination, dereference=stash.dereference)
    else:
        await transport.mkdir(posixpath.dirname(target), parents=True)
        relative = [posixpath.relpath(match, source_dir) for match in dict.fromkeys(matches)]
        await transport.compress(stash.stash_mode, relative, target, source_dir, dereference=stash.dereference)
