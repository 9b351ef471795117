"""README.md at the root of a single-process dump: what the process is and how the tree reads."""

from __future__ import annotations

from ..queries.dump_graph import GraphSnapshot, ProcessInfo
from .metadata import METADATA_FILE, is_finished_ok

LAYOUT_TEXT = f"""\
## Layout

- `{METADATA_FILE}`: the process's record (node data, user, computer, attributes, extras).
- `inputs/`: the files of the calculation itself (submit script, input files).
- `outputs/`: the files retrieved from the computer after the run.
- `node_inputs/<link label>/`: files of linked input data (nested on `__` in the label).
- `node_outputs/<link label>/`: files of created output data (with `--include-outputs`).
- `NN-<link label>-<process label>-<pk>/`: the processes it called, in call order.
"""


def _state(info: ProcessInfo) -> str:
    attributes = info.attributes
    state = str(attributes.get("process_state") or "unknown").capitalize()
    exit_status = attributes.get("exit_status")
    return f"{state} [{exit_status}]" if exit_status is not None else state


def call_tree(graph: GraphSnapshot, pk: int, states: dict[int, str]) -> list[str]:
    """The call graph as `provtop process status` draws it."""
    lines: list[str] = []

    def visit(node: int, prefix: str, last: bool, top: bool) -> None:
        info = graph.processes[node]
        name = info.process_label or info.label or info.node_type
        text = f"{name}<{node}> {states.get(node, '')}".rstrip()
        lines.append(text if top else f"{prefix}{'└── ' if last else '├── '}{text}")
        children = graph.children.get(node, [])
        for index, child in enumerate(children):
            visit(child, prefix if top else prefix + ("    " if last else "│   "), index == len(children) - 1, False)

    visit(pk, "", True, True)
    return lines


def render_readme(graph: GraphSnapshot, pk: int, log_lines: list[str]) -> bytes:
    root = graph.processes[pk]
    title = root.process_label or root.label or root.node_type
    states = {node: _state(info) for node, info in graph.processes.items()}
    parts = [
        f"# {title} <{pk}>\n",
        f"- UUID: `{root.uuid}`",
        f"- Node type: `{root.node_type}`",
        f"- Label: {root.label or '(none)'}",
        f"- State: {states[pk]}, finished ok: {'yes' if is_finished_ok(root.attributes) else 'no'}",
        f"- Created: {root.ctime_text}, modified: {root.mtime_text}\n",
        LAYOUT_TEXT,
        "## Call graph\n",
        "```",
        *call_tree(graph, pk, states),
        "```\n",
        "## Report\n",
        "```",
        *(log_lines or ["No log messages recorded for this entry"]),
        "```\n",
    ]
    return "\n".join(parts).encode("utf-8")
