"""Deterministic contents of the demo graph: files and values that depend only on a seeded RNG.

Kept apart from `demo.py`, which decides the graph's shape, so either can change alone.
Every function takes the RNG it draws from; the same seed gives the same bytes.
"""

from __future__ import annotations

import json
import random
from typing import Any

ELEMENTS = ("Si", "O", "H")
STRUCTURE_FILENAME = "structure.xyz"

Atom = tuple[str, float, float, float]


def upf_file(family: str, element: str) -> bytes:
    """A small pseudopotential-like file; identical for a family and element, so stored once."""
    rng = random.Random(f"{family}:{element}")
    grid = " ".join(f"{rng.uniform(-5, 0):.6f}" for _ in range(48))
    return (
        f'<UPF version="2.0.1">\n<PP_HEADER element="{element}" pseudo_type="NC" '
        f'generated="provtop demo, family {family}" z_valence="{ELEMENTS.index(element) * 2 + 2}"/>\n'
        f"<PP_LOCAL>\n{grid}\n</PP_LOCAL>\n</UPF>\n"
    ).encode()


def structure(rng: random.Random) -> list[Atom]:
    """A small cell of 4 to 12 atoms."""
    return [
        (rng.choice(ELEMENTS), rng.uniform(0, 5.4), rng.uniform(0, 5.4), rng.uniform(0, 5.4))
        for _ in range(rng.randint(4, 12))
    ]


def relaxed(rng: random.Random, atoms: list[Atom]) -> list[Atom]:
    """The atoms moved a little, as one relaxation step would."""
    return [(e, x + rng.gauss(0, 0.02), y + rng.gauss(0, 0.02), z + rng.gauss(0, 0.02)) for e, x, y, z in atoms]


def xyz(atoms: list[Atom], comment: str) -> bytes:
    lines = [str(len(atoms)), comment] + [f"{e:2s} {x:12.6f} {y:12.6f} {z:12.6f}" for e, x, y, z in atoms]
    return ("\n".join(lines) + "\n").encode()


def workflow_parameters(rng: random.Random, family: str) -> dict[str, Any]:
    return {
        "ecutwfc": rng.choice([30.0, 40.0, 50.0, 60.0]),
        "conv_thr": 10.0 ** -rng.randint(6, 9),
        "kpoints_distance": round(rng.uniform(0.15, 0.4), 3),
        "pseudo_family": family,
        "max_iterations": 5,
    }


def calc_parameters(rng: random.Random, base: dict[str, Any], iteration: int) -> dict[str, Any]:
    return {
        "CONTROL": {"calculation": "relax", "prefix": "demo", "iteration": iteration},
        "SYSTEM": {"ecutwfc": base["ecutwfc"] + 5.0 * (iteration - 1), "occupations": "smearing"},
        "ELECTRONS": {"conv_thr": base["conv_thr"], "mixing_beta": round(rng.uniform(0.3, 0.7), 2)},
    }


def output_parameters(rng: random.Random, energy: float, atoms: int) -> dict[str, Any]:
    return {
        "energy": energy,
        "energy_units": "Ry",
        "converged": True,
        "number_of_atoms": atoms,
        "wall_time_seconds": rng.randint(20, 900),
    }


def submit_script(job_name: str, workdir: str) -> bytes:
    return (
        "#!/bin/bash\n"
        f"#SBATCH --job-name={job_name}\n"
        "#SBATCH --nodes=1\n#SBATCH --ntasks-per-node=1\n#SBATCH --time=00:30:00\n\n"
        f"cd '{workdir}'\n"
        "'/usr/local/bin/pw.x' '-in' 'job.in' > 'job.out' 2>&1\n"
    ).encode()


def job_input(parameters: dict[str, Any], atoms: list[Atom]) -> bytes:
    lines = []
    for namelist, values in parameters.items():
        lines.append(f"&{namelist}")
        lines += [f"  {key} = {value!r}" for key, value in values.items()]
        lines.append("/")
    lines.append("ATOMIC_POSITIONS angstrom")
    lines += [f"{e} {x:.6f} {y:.6f} {z:.6f}" for e, x, y, z in atoms]
    return ("\n".join(lines) + "\n").encode()


def calcinfo(job_name: str, iteration: int) -> bytes:
    info = {
        "job_name": job_name,
        "iteration": iteration,
        "codes_info": [{"cmdline_params": ["-in", "job.in"], "stdout_name": "job.out"}],
        "retrieve_list": ["job.out", "_scheduler-stdout.txt", "_scheduler-stderr.txt"],
    }
    return json.dumps(info, indent=2, sort_keys=True).encode()


def job_template(job_name: str, workdir: str) -> bytes:
    template = {
        "job_name": job_name,
        "working_directory": workdir,
        "submit_as_hold": False,
        "job_resource": {"num_machines": 1, "num_mpiprocs_per_machine": 1},
        "max_wallclock_seconds": 1800,
    }
    return json.dumps(template, indent=2, sort_keys=True).encode()


def job_output(rng: random.Random, job_name: str, energy: float, *, failed: bool) -> bytes:
    """A solver log of 3 to 7 kB; a failed run stops without its final energy."""
    target = rng.randint(3000, 6800)
    lines = [f"     Program PWSCF (demo) starts for {job_name}", ""]
    size = sum(len(line) + 1 for line in lines)
    step = 0
    while size < target:
        step += 1
        accuracy = 10.0 ** -rng.uniform(2, 9)
        step_lines = [
            f"     iteration #{step:4d}     ecut=    40.00 Ry     total energy = {energy + accuracy:16.8f} Ry",
            f"     estimated scf accuracy    < {accuracy:17.8e} Ry",
        ]
        lines += step_lines
        size += sum(len(line) + 1 for line in step_lines)
    if failed:
        lines += ["", "     convergence NOT achieved: stopping", "     JOB ABORTED"]
    else:
        lines += ["", f"!    total energy              = {energy:16.8f} Ry", "     JOB DONE."]
    return ("\n".join(lines) + "\n").encode()


def scheduler_stdout(job_name: str, job_id: str) -> bytes:
    return f"job {job_id} ({job_name}) started on localhost\njob {job_id} finished\n".encode()
