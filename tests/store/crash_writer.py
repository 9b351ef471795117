"""Writes provenance with files in many small transactions, printing a line after each commit.

Run by test_crash_consistency.py, which kills it with SIGKILL part-way:
    python crash_writer.py PROFILE NODES
"""

from __future__ import annotations

import sys

from provtop.backend.entities import CalcFunctionNode, FolderData, LinkType, ProcessState, SinglefileData
from provtop.backend.profiles import load_profile

NODES_PER_STEP = 3


def write_step(index: int) -> None:
    """One transaction: an input file, the calculation that used it and the folder it created."""
    structure = SinglefileData.from_bytes(f"structure {index}\n".encode() * 2000, filename="structure.cif")
    structure.store()
    calc = CalcFunctionNode(label=f"calc_{index}")
    calc.add_incoming(structure, LinkType.INPUT_CALC, "structure")
    calc.store()
    retrieved = FolderData(label=f"retrieved_{index}")
    retrieved.put_object_from_bytes(f"output of step {index}\n".encode() * 4000, "out/job.out")
    retrieved.put_object_from_bytes(b"the same in every folder\n", "shared.txt")
    retrieved.put_object_from_bytes(b"", "out/empty.err")
    retrieved.add_incoming(calc, LinkType.CREATE, "retrieved")
    retrieved.store()
    calc.terminate(ProcessState.FINISHED, exit_status=0)


def main(profile: str, nodes: int) -> None:
    store = load_profile(profile)
    for index in range(-(-nodes // NODES_PER_STEP)):
        with store.transaction():
            write_step(index)
        print(f"committed {(index + 1) * NODES_PER_STEP}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
