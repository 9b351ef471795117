"""Computers and codes: set them up, list them, show them, test a computer's connection."""

from __future__ import annotations

import posixpath
import uuid
from typing import Any

from sqlalchemy import select

from .. import event_loop
from ..computer_transport import computer_transport
from ..entities.computers import Computer, ComputerModel
from ..entities.nodes.code import InstalledCode
from ..entities.nodes.node import NodeModel, node_from_row
from ..errors import InputError, MultipleObjectsError, NotExistent
from ..host_trust import HostKeyCheck, check_host_key, trust
from ..store.schema import ComputerRow, NodeRow
from ..store.store import Store
from .models import ActionResult


class ComputerActions:
    store: Store

    def setup_computer(self, label: str, hostname: str, *, workdir: str = "/tmp/provtop", **options: Any) -> ComputerModel:
        """Record a computer; `options` are Computer's keyword arguments (transport_type, ...)."""
        if not posixpath.isabs(workdir):
            raise InputError(f"the work directory '{workdir}' must be an absolute path")
        computer = Computer(label, hostname, workdir=workdir, **options)
        computer._store = self.store
        return computer.store().to_model()

    def list_computers(self) -> list[ComputerModel]:
        return [computer.to_model() for computer in Computer.all(self.store)]

    def show_computer(self, label: str) -> ComputerModel:
        return Computer.load(label, self.store).to_model()

    def test_computer(self, label: str) -> ActionResult:
        """Connect, run a command, and write and remove a file in the work directory."""
        computer = Computer.load(label, self.store)
        return event_loop.run(_probe(computer))

    def check_host_key(self, label: str) -> HostKeyCheck:
        """The key the computer's SSH server presents, and whether known_hosts trusts it."""
        return check_host_key(Computer.load(label, self.store))

    def trust_host_key(self, check: HostKeyCheck) -> ActionResult:
        trust(check)
        if check.status == "trusted":
            return ActionResult(message=f"{check.host} is trusted already ({check.fingerprint})")
        return ActionResult(message=f"added {check.host} ({check.fingerprint}) to {check.known_hosts}")

    def create_code(
        self,
        label: str,
        computer: str,
        executable: str,
        *,
        description: str = "",
        prepend_text: str = "",
        append_text: str = "",
        with_mpi: bool | None = None,
        default_calc_job_plugin: str | None = None,
    ) -> NodeModel:
        code = InstalledCode(
            Computer.load(computer, self.store),
            executable,
            label=label,
            description=description,
            prepend_text=prepend_text,
            append_text=append_text,
            with_mpi=with_mpi,
            default_calc_job_plugin=default_calc_job_plugin,
        )
        code._store = self.store
        return code.store().to_model(content=False)

    def list_codes(self, computer: str | None = None) -> list[NodeModel]:
        query = select(NodeRow).where(NodeRow.node_type == InstalledCode.node_type).order_by(NodeRow.id)
        if computer is not None:
            computer_id = Computer.load(computer, self.store).pk
            query = query.where(NodeRow.computer_id == computer_id)
        with self.store.reading() as session:
            return [node_from_row(row, self.store).to_model(content=False) for row in session.scalars(query)]

    def show_code(self, identifier: str) -> NodeModel:
        return self.load_code(identifier).to_model(content=False)

    def load_code(self, identifier: str) -> InstalledCode:
        """By pk, or by `label@computer`, or by a label that is unique across computers."""
        query = select(NodeRow).where(NodeRow.node_type == InstalledCode.node_type)
        if identifier.isdigit():
            query = query.where(NodeRow.id == int(identifier))
        else:
            label, _, computer = identifier.partition("@")
            query = query.where(NodeRow.label == label)
            if computer:
                query = query.join(ComputerRow, ComputerRow.id == NodeRow.computer_id).where(
                    ComputerRow.label == computer
                )
        with self.store.reading() as session:
            rows = list(session.scalars(query.limit(2)))
            if not rows:
                raise NotExistent(f"no code '{identifier}'; see 'provtop code list'")
            if len(rows) > 1:
                raise MultipleObjectsError(f"several codes are labelled '{identifier}'; use LABEL@COMPUTER")
            # Inside the session: the rows expire when it ends.
            code = node_from_row(rows[0], self.store)
        assert isinstance(code, InstalledCode)
        return code


async def _probe(computer: Computer) -> ActionResult:
    async with computer_transport(computer) as transport:
        result = await transport.exec(["echo", "provtop"])
        if result.exit_code != 0 or result.stdout.strip() != "provtop":
            return ActionResult(message=f"'{computer.label}': running a command failed: {result.stderr.strip()}")
        await transport.mkdir(computer.workdir, parents=True)
        probe = posixpath.join(computer.workdir, f".provtop-probe-{uuid.uuid4().hex}")
        await transport.exec(["touch", probe])
        await transport.remove(probe)
        username = transport.username  # known only while the transport is open
    return ActionResult(
        message=f"computer '{computer.label}' works: connected as {username}, "
        f"ran a command and wrote in {computer.workdir}"
    )

