"""`provtop process dump`: AiiDA's layout for one process, with provtop's file names."""

from __future__ import annotations

from pathlib import Path

import pytest

from provtop.backend.dump import ProcessDumpOptions, dump_process, plan_process_dump
from provtop.backend.dump.errors import UnsafeTargetError, UnsealedProcessError
from provtop.backend.entities import FolderData, LinkType, ProcessState, WorkChainNode
from provtop.backend.store.store import Store
from tests.dump.graphs import calcjob, finish, multiply_add, nested, singlefile, tree, workchain

SAFEGUARD = ".provtop_dump_safeguard"
META = "provtop_node_metadata.yaml"
LOG = "provtop_dump_log.json"


def test_multiply_add_gives_numbered_children_with_inputs_and_outputs(store: Store, out: Path) -> None:
    workflow = multiply_add()
    multiply, add = (link.node for link in sorted(workflow.get_outgoing(), key=lambda link: link.node.pk))

    dump_process(workflow, out / "wf")

    assert tree(out / "wf") == {
        SAFEGUARD,
        LOG,
        "README.md",
        META,
        f"01-multiply-{multiply.pk}/",
        f"01-multiply-{multiply.pk}/{SAFEGUARD}",
        f"01-multiply-{multiply.pk}/{META}",
        f"01-multiply-{multiply.pk}/inputs/",
        f"01-multiply-{multiply.pk}/inputs/source_file",
        f"02-ArithmeticAddCalculation-{add.pk}/",
        *(
            f"02-ArithmeticAddCalculation-{add.pk}/{rest}"
            for rest in (
                SAFEGUARD,
                META,
                "inputs/",
                "inputs/aiida.in",
                "inputs/_aiidasubmit.sh",
                "inputs/.aiida/",
                "inputs/.aiida/calcinfo.json",
                "outputs/",
                "outputs/aiida.out",
                "outputs/_scheduler-stdout.txt",
                "outputs/_scheduler-stderr.txt",
            )
        ),
    }


def test_default_path_is_label_or_process_label_and_pk(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    labelled, unlabelled = multiply_add("my-label"), multiply_add()

    first, second = dump_process(labelled), dump_process(unlabelled)

    assert Path(first.target) == tmp_path / f"my-label-{labelled.pk}"
    assert Path(second.target) == tmp_path / f"MultiplyAddWorkChain-{unlabelled.pk}"


def test_sub_workflows_nest_with_link_and_process_labels(store: Store, out: Path) -> None:
    workflow = nested()
    first, inner = (link.node for link in sorted(workflow.get_outgoing(), key=lambda link: link.node.pk))
    second = inner.get_outgoing()[0].node

    dump_process(workflow, out)

    inner_dir = f"02-inner-InnerWorkChain-{inner.pk}"
    assert f"01-first-ArithmeticAddCalculation-{first.pk}/inputs/aiida.in" in tree(out)
    assert f"{inner_dir}/01-second-ArithmeticAddCalculation-{second.pk}/outputs/aiida.out" in tree(out)


def test_linked_inputs_go_to_node_inputs_and_outputs_only_when_asked(store: Store, out: Path) -> None:
    folder = FolderData()
    folder.put_object_from_bytes(b"x", "relative_path/file.txt")
    calc = calcjob(
        inputs={
            "singlefile": singlefile(b"input\n"),
            "folderdata": folder,
            "pseudos__Si": singlefile(b"upf", "Si.upf"),
        },
        outputs={"result": singlefile(b"out\n", "result.txt")},
    )

    dump_process(calc, out / "default")
    dump_process(calc, out / "with-outputs", include_outputs=True, include_inputs=False)

    default = tree(out / "default")
    assert {
        "node_inputs/singlefile/file.txt",
        "node_inputs/folderdata/relative_path/file.txt",
        "node_inputs/pseudos/Si/Si.upf",
    } <= default
    assert not any(path.startswith("node_outputs") for path in default)
    assert (out / "default/node_inputs/singlefile/file.txt").read_bytes() == b"input\n"
    with_outputs = tree(out / "with-outputs")
    assert "node_outputs/result/result.txt" in with_outputs
    assert not any(path.startswith("node_inputs") for path in with_outputs)


def test_flat_puts_files_at_the_top_and_keeps_clashing_ones_apart(store: Store, out: Path) -> None:
    calc = calcjob(
        files={"aiida.in": b"in"},
        retrieved={"aiida.out": b"out"},
        inputs={"first": singlefile(b"1", "file.txt"), "second": singlefile(b"2", "file.txt")},
    )

    dump_process(calc, out, flat=True)

    files = tree(out)
    assert {"aiida.in", "aiida.out", "file.txt", "node_inputs/second/file.txt", META, SAFEGUARD} <= files
    assert (out / "file.txt").read_bytes() == b"1"
    assert (out / "node_inputs/second/file.txt").read_bytes() == b"2"


def test_metadata_has_aiida_sections_attributes_by_default_extras_on_request(store: Store, out: Path) -> None:
    calc = calcjob("add")
    calc.set_extra("project", "alpha")

    dump_process(calc, out / "plain")
    dump_process(calc, out / "extras", include_extras=True, include_attributes=False)

    yaml = pytest.importorskip("yaml")
    plain = yaml.safe_load((out / "plain" / META).read_text())
    assert list(plain) == ["Node data", "User data", "Computer data", "Node attributes"]
    assert plain["Node data"]["pk"] == calc.pk and plain["Node data"]["is_finished_ok"] is True
    assert plain["Computer data"]["label"] == "localhost"
    assert plain["Node attributes"]["process_label"] == "ArithmeticAddCalculation"
    extras = yaml.safe_load((out / "extras" / META).read_text())
    assert list(extras) == ["Node data", "User data", "Computer data", "Node extras"]
    assert extras["Node extras"] == {"project": "alpha"}


def test_readme_names_the_process_and_draws_its_call_graph(store: Store, out: Path) -> None:
    workflow = multiply_add()

    dump_process(workflow, out)

    readme = (out / "README.md").read_text()
    assert readme.startswith(f"# MultiplyAddWorkChain <{workflow.pk}>")
    assert "├── multiply<" in readme and "└── ArithmeticAddCalculation<" in readme
    assert "{" not in readme  # no unformatted placeholder (AiiDA #6970)


def test_dry_run_writes_nothing_and_lists_every_file_with_its_size(store: Store, out: Path) -> None:
    workflow = multiply_add()

    plan = plan_process_dump(store, workflow.pk, out, ProcessDumpOptions(dry_run=True))
    result = dump_process(workflow, out, dry_run=True)

    assert not out.exists()
    assert result.executed is False
    sizes = {item.path: item.size for item in plan.files}
    add_dir = next(item.path for item in plan.directories if item.path.startswith("02-"))
    assert sizes[f"{add_dir}/inputs/aiida.in"] == len(b"1 2\n")
    assert plan.totals.files == len(plan.files) and plan.totals.bytes == sum(sizes.values())


def test_the_real_run_writes_exactly_what_the_dry_run_planned(store: Store, out: Path) -> None:
    workflow = multiply_add()
    plan = plan_process_dump(store, workflow.pk, out, ProcessDumpOptions(dry_run=True))

    dump_process(workflow, out)

    planned = {item.path for item in plan.files} | {item.path + "/" for item in plan.directories}
    assert tree(out) - {SAFEGUARD, LOG} - {path for path in tree(out) if path.endswith(SAFEGUARD)} == planned


def test_unsealed_process_is_refused_unless_asked(store: Store, out: Path) -> None:
    running = workchain()

    with pytest.raises(UnsealedProcessError, match="--dump-unsealed"):
        dump_process(running, out)
    assert not out.exists()
    dump_process(running, out, dump_unsealed=True)
    assert (out / META).is_file()


def test_a_second_dump_of_an_unchanged_process_writes_nothing(store: Store, out: Path) -> None:
    workflow = multiply_add()
    dump_process(workflow, out)

    again = dump_process(workflow, out)

    assert again.totals.files == 0 and again.totals.directories == 0


def test_changed_extras_rewrite_only_that_metadata_file(store: Store, out: Path) -> None:
    workflow = multiply_add()
    dump_process(workflow, out, include_extras=True)
    child = workflow.get_outgoing()[0].node

    child.set_extra("note", "checked")
    plan = plan_process_dump(store, workflow.pk, out, ProcessDumpOptions(include_extras=True))

    assert [Path(item.path).name for item in plan.files] == [META]
    dump_process(workflow, out, include_extras=True)
    child_dir = next(
        path for path in tree(out) if path.startswith("01-") and path.endswith("/") and path.count("/") == 1
    )
    assert "checked" in (out / child_dir / META).read_text()


def test_overwrite_replaces_an_earlier_dump_but_not_a_foreign_directory(store: Store, out: Path) -> None:
    workflow = multiply_add()
    dump_process(workflow, out)
    (out / "stray.txt").write_text("left by a user")

    dump_process(workflow, out, overwrite=True)
    assert not (out / "stray.txt").exists()

    foreign = out.parent / "foreign"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(UnsafeTargetError, match="not made by a provtop dump"):
        dump_process(workflow, foreign, overwrite=True)
    with pytest.raises(UnsafeTargetError):
        dump_process(workflow, foreign)
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_new_outputs_of_an_unsealed_process_are_dumped_next_time(store: Store, out: Path) -> None:
    calc = calcjob(seal=False, with_retrieved=False)
    dump_process(calc, out, dump_unsealed=True, include_outputs=True)

    result = singlefile(b"late\n", "late.txt")
    result.add_incoming(calc, LinkType.CREATE, "late")
    result.store()
    finish(calc)
    dump_process(calc, out, include_outputs=True)

    assert (out / "node_outputs/late/late.txt").read_bytes() == b"late\n"


def test_workflow_node_subclasses_are_dumped_as_workflows(store: Store, out: Path) -> None:
    class PluginWorkChainNode(WorkChainNode):
        node_type = "process.workflow.workchain.WorkChainNode.plugin.PluginNode."

    node = PluginWorkChainNode(label="plugin")
    node.set_attribute_many({"process_label": "Plugin", "process_state": ProcessState.RUNNING.value})
    node.store()
    finish(node)

    dump_process(node, out)

    assert (out / META).is_file()
