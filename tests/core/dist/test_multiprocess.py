"""Real 2-process gloo jobs: torchrun for the collectives and evaluation, SLURM/MPI env parsing."""

from __future__ import annotations

import pickle

import pytest
import torch

pytestmark = pytest.mark.slow


def test_torchrun_collectives_collection_and_evaluation(run_torchrun, tmp_path):
    rank0, rank1 = run_torchrun()

    # where each process stands
    assert [r["rank"] for r in (rank0, rank1)] == [0, 1]
    assert rank0["dist_info"] == [0, 2] and rank1["dist_info"] == [1, 2]
    assert [r["local_rank"] for r in (rank0, rank1)] == [0, 1]
    assert rank0["local_size"] == rank1["local_size"] == 2
    assert (rank0["is_main"], rank1["is_main"]) == (True, False)
    assert rank0["backend"] == "gloo"
    assert rank1["master_only"] is None and rank0["master_only"] == "ran on 0"

    # collectives give every rank the same answer
    for report in (rank0, rank1):
        assert report["sum_of_ranks_plus_one"] == 3.0
        assert report["broadcast"] == [11, 12]
        assert report["broadcast_object_list"] == [{"from": 0}, "text-0"]
        assert report["all_reduce_sum"] == [3.0, 6.0]
        assert report["all_reduce_mean"] == [1.5, 3.0]
        assert report["all_reduce_max"] == [2.0, 4.0]
        assert report["all_reduce_MIN"] == [1.0, 2.0]
        assert report["all_reduce_dict_mean"] == {"a": [[1.5, 3.0]], "b": [2.0]}
        assert (
            "rank 1 has keys ['a', 'extra'] but rank 0 has ['a']"
            in (report["all_reduce_dict_mismatch"])
        )
        assert report["all_gather"] == [[0, 0], [1, 3]]
        assert report["all_gather_object"] == [{"rank": 0, "name": "r0"}, {"rank": 1, "name": "r1"}]
    assert rank0["gather_to_1"] == [] and rank1["gather_to_1"] == [[0], [2]]
    assert rank0["gather_object_to_0"] == [["obj", 0], ["obj", 1]]
    assert rank1["gather_object_to_0"] is None
    assert rank0["local_draw"] != rank1["local_draw"]
    assert rank0["synced_seed"] == rank1["synced_seed"] == rank0["local_draw"]

    # all_reduce_params: parameters averaged in place, buffers summed, buckets and singles
    assert rank0["inferred_launcher"] == rank1["inferred_launcher"] == "pytorch"
    assert rank0["weights_before"] != rank1["weights_before"]
    for report in (rank0, rank1):
        for mean, mine, theirs in zip(
            report["weights_mean"], rank0["weights_before"], rank1["weights_before"], strict=True
        ):
            assert torch.allclose(
                torch.tensor(mean), (torch.tensor(mine) + torch.tensor(theirs)) / 2
            )
        assert report["still_leaves"] is True
        assert report["num_batches_sum"] == 3
        assert report["bucketed_max"] == [[2.0], [20.0], [1.0, 2.0]]
        assert report["separate_sum"] == [[3.0], [[2.0]]]

    # collect_results: dataset order on rank 0, padding dropped, None results kept
    for device in ("cpu", "gpu"):
        assert rank0[f"{device}_padded"] == [0, 1, 2, 3, 4]
        assert rank0[f"{device}_uneven"] == [0, 1, 2, 3, 4]
        assert rank0[f"{device}_none_kept"] == [None, "b", "a"]
        assert rank1[f"{device}_padded"] is None
    assert rank0["cpu_given_dir"] == [0, 1, 2, 3]
    assert rank0["given_dir_left"] == []  # the per-call sub-directory is gone, the dir stays
    assert (tmp_path / "shared").is_dir()
    assert not (tmp_path / ".dist_test").exists()

    # an Evaluator across 2 ranks: computed once on rank 0, shared with rank 1
    for device in ("cpu", "gpu"):
        for report in (rank0, rank1):
            assert report[f"metrics_{device}"] == {"acc/top1": 0.6, "acc/n": 5}
            assert report[f"results_cleared_{device}"] is True
        assert rank0[f"computed_here_{device}"] == 5
        assert rank1[f"computed_here_{device}"] is None
    dumped = pickle.loads((tmp_path / "dump.pkl").read_bytes())
    assert [sample["index"] for sample in dumped] == [0, 1, 2, 3, 4]

    # a non-scalar metric fails on every rank, naming the metric and the key
    assert rank0["error"][0] == "ValueError"
    assert rank1["error"][0] == "RuntimeError"
    for report in (rank0, rank1):
        assert "PerClass" in report["error"][1] and "'per_class'" in report["error"][1]


@pytest.mark.parametrize("node_list", ["127.0.0.1", "localhost,otherhost"])
def test_slurm_environment(run_ranks, free_port, node_list):
    port = free_port

    def slurm_env(rank: int) -> dict[str, str]:
        return {
            "SLURM_PROCID": str(rank),
            "SLURM_NTASKS": "2",
            "SLURM_NODELIST": node_list,
            "SLURM_LOCALID": str(rank),
            "SLURM_NTASKS_PER_NODE": "2",
        }

    reports = run_ranks("slurm", slurm_env, str(port))
    first_host = node_list.split(",")[0]
    for rank, report in enumerate(reports):
        assert report["rank"] == rank and report["world_size"] == 2
        assert report["local_rank"] == rank and report["local_size"] == 2
        assert report["env"] == {
            "RANK": str(rank),
            "WORLD_SIZE": "2",
            "LOCAL_RANK": str(rank),
            "MASTER_ADDR": first_host,
        }
        assert report["inferred_launcher"] == "slurm"
        assert report["sum_of_ranks_plus_one"] == 3.0


def test_mpi_environment(run_ranks, free_port):
    port = str(free_port)

    def mpi_env(rank: int) -> dict[str, str]:
        return {
            "OMPI_COMM_WORLD_RANK": str(rank),
            "OMPI_COMM_WORLD_SIZE": "2",
            "OMPI_COMM_WORLD_LOCAL_RANK": str(rank),
            "OMPI_COMM_WORLD_LOCAL_SIZE": "2",
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": port,
        }

    reports = run_ranks("mpi", mpi_env)
    for rank, report in enumerate(reports):
        assert report["dist_info"] == [rank, 2]
        assert report["local_rank"] == rank and report["local_size"] == 2
        assert report["env"]["RANK"] == str(rank) and report["env"]["WORLD_SIZE"] == "2"
        assert report["inferred_launcher"] == "mpi"
        assert report["sum_of_ranks_plus_one"] == 3.0
