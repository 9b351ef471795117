"""The per-process metadata file: AiiDA's sections, in provtop's file name."""

from __future__ import annotations

from typing import Any

from ..queries.dump_content import ProcessContent
from ..queries.dump_graph import People, ProcessInfo
from .options import ProcessDumpOptions
from .yaml_text import dump_yaml_entry, yaml_scalar

METADATA_FILE = "provtop_node_metadata.yaml"
DOCUMENT_START = "---\n"


def is_finished_ok(attributes: dict[str, Any]) -> bool:
    return attributes.get("process_state") == "finished" and attributes.get("exit_status") == 0


class MetadataWriter:
    """Renders the metadata files of one dump; each user's and computer's section is rendered once.

    The file is the YAML of a mapping: node data, user, computer (if any), then attributes
    and extras as the options ask. Every process of a dump gets one, so this is on the
    planning path of every dry run.
    """

    def __init__(self, options: ProcessDumpOptions, people: People) -> None:
        self.options = options
        self.users = people.users
        self.computers = people.computers
        self._user_sections: dict[int, str] = {}
        self._computer_sections: dict[int, str] = {}

    def render(self, content: ProcessContent) -> bytes:
        info = content.info
        user = self.users.get(info.user_id)
        parts = [DOCUMENT_START, _node_section(info)]
        parts.append(_shared_section(self._user_sections, "User data", info.user_id, user))
        computer_id = info.computer_id
        if computer_id is not None and computer_id in self.computers:
            computer = self.computers[computer_id]
            parts.append(_shared_section(self._computer_sections, "Computer data", computer_id, computer))
        if self.options.include_attributes and info.attributes:
            parts.append(dump_yaml_entry("Node attributes", info.attributes))
        if self.options.include_extras and (extras := content.extras):
            parts.append(dump_yaml_entry("Node extras", extras))
        return "".join(parts).encode("utf-8")


def _shared_section(rendered: dict[int, str], title: str, key: int, value: dict[str, Any] | None) -> str:
    """A user's or computer's section, rendered the first time it is asked for."""
    section = rendered.get(key)
    if section is None:
        section = rendered[key] = dump_yaml_entry(title, value if value is not None else {})
    return section


def _node_section(info: ProcessInfo) -> str:
    """`dump_yaml_entry("Node data", {...})`, written out: the keys are plain and the values scalars.

    pk, ctime and mtime are formatted as `yaml_scalar` formats an int and a datetime.
    """
    return (
        "Node data:\n"
        f"  label: {yaml_scalar(info.label)}\n"
        f"  description: {yaml_scalar(info.description)}\n"
        f"  pk: {info.pk}\n"
        f"  uuid: {yaml_scalar(info.uuid)}\n"
        f"  ctime: {info.ctime_text}\n"
        f"  mtime: {info.mtime_text}\n"
        f"  node_type: {yaml_scalar(info.node_type)}\n"
        f"  process_type: {yaml_scalar(info.process_type)}\n"
        f"  is_finished_ok: {'true' if is_finished_ok(info.attributes) else 'false'}\n"
    )
