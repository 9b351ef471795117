"""Codes: an executable installed on a computer, used as an input of calculations."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from ...errors import InputError, UniquenessError, ValidationError
from ...store.schema import NodeRow
from ..computers import Computer
from .data import Data


class CodeAttributes(BaseModel):
    model_config = ConfigDict(extra="allow")

    filepath_executable: str
    prepend_text: str = ""
    append_text: str = ""
    with_mpi: bool | None = None
    use_double_quotes: bool = False
    default_calc_job_plugin: str | None = None


class InstalledCode(Data):
    """Labelled `label@computer`; the label is unique on its computer."""

    node_type: ClassVar[str] = "data.core.code.installed.InstalledCode."
    Attributes = CodeAttributes

    def __init__(
        self,
        computer: Computer | None = None,
        filepath_executable: str | None = None,
        *,
        label: str = "",
        prepend_text: str = "",
        append_text: str = "",
        with_mpi: bool | None = None,
        default_calc_job_plugin: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label=label, computer=computer, **kwargs)
        if filepath_executable is not None:
            if not filepath_executable.strip():
                raise InputError("a code needs the path of its executable")
            self._attributes.update(
                filepath_executable=filepath_executable,
                prepend_text=prepend_text,
                append_text=append_text,
                with_mpi=with_mpi,
                use_double_quotes=False,
                default_calc_job_plugin=default_calc_job_plugin,
            )

    @property
    def filepath_executable(self) -> str:
        return self._attributes["filepath_executable"]

    @property
    def full_label(self) -> str:
        computer = self.computer
        return f"{self.label}@{computer.label}" if computer else self.label

    def _validate_before_store(self) -> None:
        super()._validate_before_store()
        if self._computer is None:
            raise ValidationError("a code needs the computer it is installed on")
        if not self.label or "@" in self.label:
            raise ValidationError("a code needs a label without '@'")
        computer = self.computer
        assert computer is not None
        with self.store_backend.reading() as session:
            clash = session.scalar(
                select(NodeRow.id).where(
                    NodeRow.node_type == self.node_type,
                    NodeRow.label == self.label,
                    NodeRow.computer_id == computer.pk,
                )
            )
        if clash is not None:
            raise UniquenessError(f"a code '{self.label}' exists on computer '{computer.label}' already (pk {clash})")
