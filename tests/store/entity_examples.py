"""One example of every entity type, filled so that each field of its model carries a value."""

from __future__ import annotations

from collections.abc import Callable

from provtop.backend.entities import (
    Bool,
    CalcFunctionNode,
    CalcJobNode,
    Computer,
    Dict,
    Float,
    FolderData,
    Group,
    InstalledCode,
    Int,
    Link,
    LinkType,
    List,
    Log,
    Node,
    ProcessState,
    RemoteData,
    RemoteStashCompressedData,
    RemoteStashFolderData,
    SinglefileData,
    Str,
    User,
    WorkChainNode,
    WorkflowNode,
    WorkFunctionNode,
    load_node,
)
from provtop.backend.entities.entity import Entity
from provtop.backend.store.store import Store


def localhost() -> Computer:
    return Computer.load("localhost")


def user() -> User:
    return User("ada@example.org", "Ada", "Lovelace", "Analytical Engines Ltd")


def computer() -> Computer:
    return Computer(
        "cluster",
        "cluster.example.org",
        transport_type="ssh_async",
        scheduler_type="slurm",
        workdir="/scratch/{username}/provtop",
        description="the group's cluster",
        transport_settings={"port": 2222, "key_filename": "~/.ssh/id_ed25519", "compress": True},
        scheduler_settings={"poll_interval": 10.5},
        max_concurrent_jobs=4,
        max_transport_channels=3,
    )


def code() -> InstalledCode:
    return InstalledCode(
        localhost(), "/usr/bin/bash", label="bash", description="a shell", prepend_text="set -e",
        append_text="echo done", with_mpi=False, default_calc_job_plugin="core.arithmetic.add",
    )


def int_() -> Int:
    node = Int(42, label="answer", description="the answer")
    node.set_extra_many({"tags": ["a", "b"], "score": 0.5})
    return node


def float_() -> Float:
    return Float(0.1 + 0.2, label="almost 0.3")


def str_() -> Str:
    return Str("héllo ☃ \"quoted\"\nsecond line")


def bool_() -> Bool:
    return Bool(False)


def dict_() -> Dict:
    return Dict({"ecut": 30.0, "flags": [True, None, 1], "nested": {"k": {"deep": ["x", {"y": 1}]}}, "empty": {}})


def list_() -> List:
    return List([1, "two", 3.5, None, [4, [5]], {"six": 6}])


def singlefile() -> SinglefileData:
    return SinglefileData.from_bytes(b"line 1\nline 2\n\x00\xff binary tail", filename="job.out", label="output")


def folder() -> FolderData:
    node = FolderData(label="retrieved")
    node.put_object_from_bytes(b"top", "top.txt")
    node.put_object_from_bytes(b"", "empty")
    node.put_object_from_bytes(b'{"a": 1}', "a/b/c.json")
    node.put_object_from_bytes(b"sibling", "a/d.txt")
    return node


def remote() -> RemoteData:
    return RemoteData("/tmp/provtop/ab/cd/ef", computer=localhost(), label="remote_folder")


def stash_folder() -> RemoteStashFolderData:
    return RemoteStashFolderData(
        "copy", "/stash/ab/cd", ["aiida.out", "results/*.json"], computer=localhost()
    )


def stash_compressed() -> RemoteStashCompressedData:
    return RemoteStashCompressedData(
        "tar.gz", "/stash/ab/cd.tar.gz", ["aiida.out"], dereference=True, computer=localhost()
    )


def calcjob() -> CalcJobNode:
    node = CalcJobNode(label="iteration_01", computer=localhost())
    node.process_type = "provtop.calculations:arithmetic.add"
    node.set_attribute_many({"process_label": "ArithmeticAdd", "job_id": "1234", "remote_workdir": "/tmp/x"})
    node.set_process_state(ProcessState.WAITING, "waiting for the scheduler")
    node.put_object_from_bytes(b"#!/bin/bash\necho hi\n", "_submit.sh")
    node.put_object_from_bytes(b"x = 1\n", "job.in")
    return node


def finished_calcjob() -> CalcJobNode:
    node = calcjob()
    node.terminate(ProcessState.FINISHED, exit_status=0, exit_message="ok")
    return node


def calcfunction() -> CalcFunctionNode:
    node = CalcFunctionNode(label="add")
    node.process_type = "tests.functions:add"
    node.set_attribute("exception", "Traceback ...\nValueError: x")
    node.terminate(ProcessState.EXCEPTED, exit_status=1)
    return node


def workflow() -> WorkflowNode:
    node = WorkflowNode(label="generic")
    node.set_process_state(ProcessState.CREATED)
    return node


def workchain() -> WorkChainNode:
    node = WorkChainNode(label="converge-000001", description="converges ecut")
    node.set_attribute_many({"process_label": "ConvergeWorkChain", "stepper_state_info": "2:iterate", "paused": True})
    node.set_process_state(ProcessState.RUNNING)
    node.set_extra("project", "alpha")
    return node


def workfunction() -> WorkFunctionNode:
    node = WorkFunctionNode(label="select")
    node.terminate(ProcessState.KILLED, exit_message="killed by the user")
    return node


def link_unstored() -> Link:
    return Link("8f1c0c4e-5a3a-4f64-a0b4-3c8f5d8e9a01", "3b2e0d6c-7e7f-4b0b-9a51-0fd0a4b9e1a2", LinkType.RETURN, "result")


def group() -> Group:
    return Group("project/alpha", description="first project", extras={"colour": "red", "rank": [1, 2]})


def log_unstored() -> Log:
    return Log("8f1c0c4e-5a3a-4f64-a0b4-3c8f5d8e9a01", "warning", "iteration 2 did not converge",
               loggername="provtop.engine", metadata={"iteration": 2, "extra": None})


Factory = Callable[[], Entity]

# name -> factory of an unstored example; every entity type of the store is here.
UNSTORED: dict[str, Factory] = {
    "User": user,
    "Computer": computer,
    "InstalledCode": code,
    "Int": int_,
    "Float": float_,
    "Str": str_,
    "Bool": bool_,
    "Dict": dict_,
    "List": list_,
    "SinglefileData": singlefile,
    "FolderData": folder,
    "RemoteData": remote,
    "RemoteStashFolderData": stash_folder,
    "RemoteStashCompressedData": stash_compressed,
    "CalcJobNode": calcjob,
    "CalcJobNode-sealed": finished_calcjob,
    "CalcFunctionNode": calcfunction,
    "WorkflowNode": workflow,
    "WorkChainNode": workchain,
    "WorkFunctionNode": workfunction,
    "Link": link_unstored,
    "Group": group,
    "Log": log_unstored,
}


def stored(name: str) -> Entity:
    """The example, stored (with what it needs: a Link its two nodes, a Log its node)."""
    if name == "Link":
        source = workchain().store()
        target = Int(7).store()
        return Link(source.uuid, target.uuid, LinkType.RETURN, "result").store()
    if name == "Log":
        node = calcjob().store()
        return Log(node, "warning", "iteration 2 did not converge", metadata={"iteration": 2}).store()
    return UNSTORED[name]().store()  # type: ignore[attr-defined,no-any-return]


def reload(entity: Entity, store: Store) -> Entity:
    """A fresh copy of a stored entity, read back from the database."""
    if isinstance(entity, Node):
        return load_node(entity.pk, store)  # type: ignore[arg-type]
    if isinstance(entity, Log):
        return next(log for log in Log.for_node(load_node(entity.node_uuid, store)) if log.pk == entity.pk)
    loader = {User: User.load, Computer: Computer.load, Group: Group.load, Link: Link.load}[type(entity)]
    return loader(entity.pk, store)  # type: ignore[operator]
