"""Without a process group every dist function answers as a one-process job would."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest
import torch

from treadle import dist
from treadle.dist.launch import first_slurm_host


def test_queries_without_a_process_group():
    assert not dist.is_distributed()
    assert dist.get_rank() == 0 and dist.get_world_size() == 1
    assert dist.get_local_rank() == 0 and dist.get_local_size() == 1
    assert dist.get_dist_info() == (0, 1)
    assert dist.is_main_process()
    assert dist.get_backend() is None and dist.get_default_group() is None
    assert dist.get_comm_device() == torch.device("cpu")
    assert dist.master_only(lambda x: x * 2)(21) == 42
    dist.barrier()


def test_collectives_without_a_process_group():
    data = torch.tensor([1.0, 2.0])
    for op in ("sum", "mean", "max"):
        dist.all_reduce(data, op=op)
        assert data.tolist() == [1.0, 2.0]
    values = {"a": torch.tensor([3.0])}
    dist.all_reduce_dict(values)
    assert values["a"].tolist() == [3.0]
    assert dist.all_gather(data) == [data] and dist.gather(data) == [data]
    dist.broadcast(data)
    assert data.tolist() == [1.0, 2.0]
    objects = ["x", {"y": 1}]
    dist.broadcast_object_list(objects)
    assert objects == ["x", {"y": 1}]
    assert dist.all_gather_object({"k": 1}) == [{"k": 1}]
    assert dist.gather_object("o") == ["o"]
    seed = dist.sync_random_seed()
    assert isinstance(seed, int) and 0 <= seed < 2**31


def test_collect_results_truncates_to_size():
    results = [{"i": i} for i in range(6)]
    assert dist.collect_results(results, 4) == results[:4]
    assert dist.collect_results(results, 4, device="gpu") == results[:4]


def test_bad_collective_arguments():
    with pytest.raises(ValueError, match=r"unknown reduce op 'avg'"):
        dist.all_reduce(torch.ones(1), op="avg")
    with pytest.raises(TypeError, match=r"all_reduce\(\) communicates tensors"):
        dist.all_reduce([1.0])
    with pytest.raises(TypeError, match=r"got list; use all_gather_object\(\)"):
        dist.all_gather([1])
    with pytest.raises(
        TypeError, match=r"all_reduce_dict\(\) communicates tensors, got float for key 'a'"
    ):
        dist.all_reduce_dict({"a": 1.0})
    with pytest.raises(TypeError, match=r"needs a list"):
        dist.broadcast_object_list(("a",))
    with pytest.raises(ValueError, match=r"device must be 'cpu' or 'gpu', got 'tpu'"):
        dist.collect_results([], 0, device="tpu")
    with pytest.raises(ValueError, match=r"tmpdir is only used with device='cpu'"):
        dist.collect_results([], 0, device="gpu", tmpdir="somewhere")


@pytest.fixture
def no_launch_env(monkeypatch):
    for name in (
        "RANK",
        "WORLD_SIZE",
        "LOCAL_RANK",
        "LOCAL_WORLD_SIZE",
        "MASTER_ADDR",
        "MASTER_PORT",
    ):
        monkeypatch.setenv(name, "")  # recorded first: what init_dist sets is undone afterwards
        monkeypatch.delenv(name)
    for name in [n for n in os.environ if n.startswith(("SLURM_", "OMPI_"))]:
        monkeypatch.delenv(name)
    return monkeypatch


def test_init_dist_errors_name_what_is_missing(no_launch_env):
    with pytest.raises(ValueError, match=r"invalid launcher 'none'"):
        dist.init_dist("none", backend="gloo")
    with pytest.raises(RuntimeError, match=r"needs the environment variable RANK.*torchrun"):
        dist.init_dist("pytorch", backend="gloo")
    with pytest.raises(RuntimeError, match=r"SLURM_PROCID.*srun"):
        dist.init_dist("slurm", backend="gloo")
    with pytest.raises(RuntimeError, match=r"OMPI_COMM_WORLD_LOCAL_RANK.*mpirun"):
        dist.init_dist("mpi", backend="gloo")
    with pytest.raises(ValueError, match=r"init_backend='deepspeed' is not supported"):
        dist.init_dist("pytorch", backend="gloo", init_backend="deepspeed")
    no_launch_env.setenv("RANK", "0")
    no_launch_env.setenv("LOCAL_RANK", "0")
    no_launch_env.setenv("WORLD_SIZE", "1")
    with pytest.raises(RuntimeError, match=r"MASTER_ADDR"):
        dist.init_dist("pytorch", backend="gloo")
    assert not dist.is_distributed()


def test_default_nccl_backend_on_a_cpu_only_machine_suggests_gloo(no_launch_env):
    # with GPUs, NCCL is fine and the next problem reported is the missing RANK
    expected = r"RANK" if torch.cuda.is_available() else r"needs CUDA GPUs.*backend='gloo'"
    with pytest.raises(RuntimeError, match=expected):
        dist.init_dist("pytorch")


def test_slurm_node_lists(tmp_path, monkeypatch):
    assert first_slurm_host("127.0.0.1") == "127.0.0.1"
    assert first_slurm_host("gpu-a,gpu-b") == "gpu-a"
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no scontrol on it
    with pytest.raises(RuntimeError, match=r"node\[01-04\].*scontrol is not on PATH.*MASTER_ADDR"):
        first_slurm_host("node[01-04]")
    # with an scontrol on PATH, its first expanded host is used
    scontrol = tmp_path / "scontrol"
    scontrol.write_text(
        '#!/bin/sh\n[ "$1 $2" = "show hostnames" ] && printf "node01\\nnode02\\n"\n'
    )
    scontrol.chmod(scontrol.stat().st_mode | stat.S_IXUSR)
    assert first_slurm_host("node[01-02]") == "node01"


def test_bad_slurm_numbers_name_the_variable(no_launch_env):
    no_launch_env.setenv("SLURM_PROCID", "0")
    no_launch_env.setenv("SLURM_NTASKS", "2x")
    no_launch_env.setenv("SLURM_NODELIST", "127.0.0.1")
    with pytest.raises(ValueError, match=r"SLURM_NTASKS='2x' must be an integer"):
        dist.init_dist("slurm", backend="gloo")
    assert not dist.is_distributed()


@pytest.mark.parametrize(
    ("tasks_per_node", "node_id", "expected"),
    [("2(x3),1", "0", "2"), ("2(x3),1", "2", "2"), ("2(x3),1", "3", "1"), ("1(x2)", "1", "1")],
)
def test_slurm_local_size_from_the_tasks_per_node_list(
    no_launch_env, free_port, tasks_per_node, node_id, expected
):
    # one task, rank 0 of a 1-task world, so the process group really forms; the local size
    # comes from this node's entry of SLURM_TASKS_PER_NODE (srun without --ntasks-per-node)
    for name, value in dict(
        SLURM_PROCID="0", SLURM_NTASKS="1", SLURM_LOCALID="0", SLURM_NODELIST="127.0.0.1",
        SLURM_TASKS_PER_NODE=tasks_per_node, SLURM_NODEID=node_id,
    ).items():  # fmt: skip
        no_launch_env.setenv(name, value)
    dist.init_dist("slurm", backend="gloo", port=free_port)
    try:
        assert os.environ["LOCAL_WORLD_SIZE"] == expected
        assert dist.get_rank() == 0 and dist.get_world_size() == 1
    finally:
        torch.distributed.destroy_process_group()


def test_a_port_in_the_config_is_ignored_under_torchrun(no_launch_env, free_port):
    port = free_port
    for name, value in dict(
        RANK="0", LOCAL_RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port)
    ).items():
        no_launch_env.setenv(name, value)
    dist.init_dist("pytorch", backend="gloo", port=port + 1)  # MMEngine: a TypeError
    try:
        assert os.environ["MASTER_PORT"] == str(port) and dist.is_distributed()
    finally:
        torch.distributed.destroy_process_group()


def test_infer_launcher_reads_the_launchers_variables_in_order(no_launch_env):
    assert dist.infer_launcher() == "none"
    no_launch_env.setenv("OMPI_COMM_WORLD_LOCAL_RANK", "0")
    assert dist.infer_launcher() == "mpi"
    no_launch_env.setenv("SLURM_NTASKS", "2")
    assert dist.infer_launcher() == "slurm"
    no_launch_env.setenv("WORLD_SIZE", "2")
    assert dist.infer_launcher() == "pytorch"


def test_get_data_device_of_nests():
    assert dist.get_data_device(torch.ones(1)) == torch.device("cpu")
    assert dist.get_data_device({"a": [torch.ones(1), (torch.zeros(2),)]}) == torch.device("cpu")
    meta = torch.empty(2, device="meta")  # a second real device on a CPU-only machine
    assert dist.get_data_device([meta]) == torch.device("meta")
    with pytest.raises(ValueError, match=r"data\['a'\] on cpu, data\['b'\] on meta"):
        dist.get_data_device({"a": [torch.ones(1)], "b": meta})
    with pytest.raises(ValueError, match=r"data\['x'\] is an empty list"):
        dist.get_data_device({"x": []})
    with pytest.raises(TypeError, match=r"data\[1\] must be a Tensor.*got int: 3"):
        dist.get_data_device([torch.ones(1), 3])
    with pytest.raises(TypeError, match=r"data must be a Tensor.*got str"):
        dist.get_data_device("cpu")


def test_cast_data_device_keeps_types_and_writes_out():
    from collections import OrderedDict, namedtuple

    pair = namedtuple("pair", "left right")
    on_cpu = torch.arange(3.0)
    data = OrderedDict(x=[on_cpu, (torch.ones(2),)], y=pair(torch.zeros(1), torch.ones(1)))
    moved = dist.cast_data_device(data, torch.device("meta"))
    assert type(moved) is OrderedDict and list(moved) == ["x", "y"]
    assert type(moved["x"]) is list and type(moved["x"][1]) is tuple
    assert type(moved["y"]) is pair and moved["y"].left.device == torch.device("meta")
    assert moved["x"][0].device == torch.device("meta") and moved["x"][0].shape == (3,)
    same = dist.cast_data_device(data, "cpu")
    assert same["x"][0] is on_cpu  # already there: not copied

    out = {"a": [torch.zeros(3), torch.zeros(2)]}
    dist.cast_data_device({"a": [torch.arange(3.0), torch.ones(2)]}, "cpu", out=out)
    assert out["a"][0].tolist() == [0.0, 1.0, 2.0] and out["a"][1].tolist() == [1.0, 1.0]


def test_cast_data_device_errors_name_the_item():
    with pytest.raises(TypeError, match=r"data\['a'\] is a list but out\['a'\] is a tuple"):
        dist.cast_data_device({"a": [torch.ones(1)]}, "cpu", out={"a": (torch.ones(1),)})
    with pytest.raises(ValueError, match=r"data has keys \['a'\], out has \['b'\]"):
        dist.cast_data_device({"a": torch.ones(1)}, "cpu", out={"b": torch.ones(1)})
    with pytest.raises(ValueError, match=r"data\[0\] has 2 items, out\[0\] has 1"):
        dist.cast_data_device([[torch.ones(1)] * 2], "cpu", out=[[torch.ones(1)]])
    with pytest.raises(TypeError, match="out is a set"):
        dist.cast_data_device({torch.ones(1)}, "cpu", out={torch.ones(1)})
    with pytest.raises(ValueError, match=r"data\['k'\] is an empty dict"):
        dist.cast_data_device({"k": {}}, "cpu")
    with pytest.raises(TypeError, match=r"data\[0\] must be a Tensor.*got ndarray"):
        dist.cast_data_device([np.zeros(2)], "cpu")
    with pytest.raises(TypeError, match="cannot rebuild data, a generator"):
        dist.cast_data_device((t for t in [torch.ones(1)]), "cpu")
    with pytest.raises(ValueError, match="device 'gpu0' is not a torch device"):
        dist.cast_data_device(torch.ones(1), "gpu0")


def test_all_reduce_params_in_one_process_checks_and_leaves_values():
    model = torch.nn.BatchNorm1d(2)
    before = [t.clone() for t in model.buffers()]
    dist.all_reduce_params(model.buffers(), op="mean", bucket_size_mb=1)
    assert all(torch.equal(a, b) for a, b in zip(before, model.buffers(), strict=True))
    with pytest.raises(ValueError, match="unknown reduce op 'avg'"):
        dist.all_reduce_params(model.buffers(), op="avg")
    with pytest.raises(TypeError, match=r"bucket_size_mb must be an int .* got float: 0\.5"):
        dist.all_reduce_params(model.buffers(), bucket_size_mb=0.5)
    with pytest.raises(TypeError, match="at position 1 of params"):
        dist.all_reduce_params([torch.ones(1), [1.0]])
    with pytest.raises(TypeError, match="use all_reduce"):
        dist.all_reduce_params(torch.ones(2))
