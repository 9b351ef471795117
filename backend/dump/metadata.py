"""The per-process metadata file: AiiDA's sections, in provtop's file name."""

from __future__ import annotations

from typing import Any

from ..queries.dump_content import ProcessContent
from .options import ProcessDumpOptions
from .yaml_text import dump_yaml

METADATA_FILE = "provtop_node_metadata.yaml"


def is_finished_ok(attributes: dict[str, Any]) -> bool:
    return attributes.get("process_state") == "finished" and attributes.get("exit_status") == 0


def render_metadata(
    content: ProcessContent,
    options: ProcessDumpOptions,
    users: dict[int, dict[str, Any]],
    computers: dict[int, dict[str, Any]],
) -> bytes:
    """Node data, user, computer (if any), then attributes and extras as the options ask."""
    document: dict[str, Any] = {
        "Node data": {
            "label": content.label,
            "description": content.description,
            "pk": content.pk,
            "uuid": content.uuid,
            "ctime": content.ctime,
            "mtime": content.mtime,
            "node_type": content.node_type,
            "process_type": content.process_type,
            "is_finished_ok": is_finished_ok(content.attributes),
        },
        "User data": users.get(content.user_id, {}),
    }
    if content.computer_id is not None and content.computer_id in computers:
        document["Computer data"] = computers[content.computer_id]
    if options.include_attributes and content.attributes:
        document["Node attributes"] = content.attributes
    if options.include_extras and content.extras:
        document["Node extras"] = content.extras
    return dump_yaml(document).encode("utf-8")
