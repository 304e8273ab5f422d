"""load/dump through the json, yaml and pickle handlers, user handlers, and format errors."""

from __future__ import annotations

import io
import json
import pickle
from pathlib import Path

import numpy as np
import pytest
import yaml

import treadle.fileio as fileio
from treadle.fileio import BaseFileHandler, UnsupportedFormatError, register_handler

DATA = {"name": "run", "lr": 0.1, "steps": [1, 2, 3], "nested": {"ok": True, "none": None}}


@pytest.mark.parametrize("suffix", ["json", "yaml", "yml", "pkl", "pickle"])
def test_round_trip_through_path_by_suffix(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"data.{suffix}"
    assert fileio.dump(DATA, path) is None
    assert fileio.load(path) == DATA
    assert fileio.load(str(path)) == DATA


def test_files_are_readable_by_the_plain_libraries(tmp_path: Path) -> None:
    fileio.dump(DATA, tmp_path / "a.json")
    fileio.dump(DATA, tmp_path / "a.yaml")
    fileio.dump(DATA, tmp_path / "a.pkl")
    assert json.loads((tmp_path / "a.json").read_text()) == DATA
    assert yaml.safe_load((tmp_path / "a.yaml").read_text()) == DATA
    assert pickle.loads((tmp_path / "a.pkl").read_bytes()) == DATA


def test_dump_to_string_and_bytes() -> None:
    assert json.loads(fileio.dump(DATA, file_format="json")) == DATA
    assert yaml.safe_load(fileio.dump(DATA, file_format="yaml")) == DATA
    dumped = fileio.dump(DATA, file_format="pkl")
    assert isinstance(dumped, bytes) and pickle.loads(dumped) == DATA
    with pytest.raises(ValueError, match="file_format must be given"):
        fileio.dump(DATA)


def test_file_objects(tmp_path: Path) -> None:
    with open(tmp_path / "x.yaml", "w") as f:
        fileio.dump(DATA, f, file_format="yaml")
    with open(tmp_path / "x.yaml") as f:
        assert fileio.load(f, file_format="yaml") == DATA
    buf = io.BytesIO()
    fileio.dump(DATA, buf, file_format="pickle")
    buf.seek(0)
    assert fileio.load(buf, file_format="pickle") == DATA
    with pytest.raises(ValueError, match="file_format must be given"):
        fileio.load(io.StringIO("{}"))


def test_json_serialises_numpy_and_sets() -> None:
    obj = {
        "array": np.arange(6, dtype=np.int64).reshape(2, 3),
        "int": np.int64(7),
        "float": np.float32(0.5),
        "bool": np.bool_(True),
        "set": {3},
        "frozen": frozenset({"a"}),
    }
    assert json.loads(fileio.dump(obj, file_format="json")) == {
        "array": [[0, 1, 2], [3, 4, 5]],
        "int": 7,
        "float": 0.5,
        "bool": True,
        "set": [3],
        "frozen": ["a"],
    }
    with pytest.raises(TypeError, match="Path is not JSON serializable"):
        fileio.dump({"p": Path("/x")}, file_format="json")


def test_json_keeps_stdlib_semantics_for_nan_and_big_ints(tmp_path: Path) -> None:
    obj = {"nan": float("nan"), "big": 2**80, "inf": float("inf")}
    fileio.dump(obj, tmp_path / "odd.json")
    loaded = fileio.load(tmp_path / "odd.json")
    assert loaded["big"] == 2**80 and loaded["inf"] == float("inf")
    assert loaded["nan"] != loaded["nan"]  # NaN survives (not turned into null)


def test_json_kwargs_reach_the_encoder(tmp_path: Path) -> None:
    fileio.dump({"b": 1, "a": 2}, tmp_path / "s.json", indent=2, sort_keys=True)
    assert (tmp_path / "s.json").read_text() == '{\n  "a": 2,\n  "b": 1\n}'


def test_yaml_loads_safely_by_default(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("x: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(yaml.constructor.ConstructorError):
        fileio.load(path)
    path.write_text("t: !!python/tuple [1, 2]\n")
    assert fileio.load(path, Loader=yaml.UnsafeLoader) == {"t": (1, 2)}  # explicit opt-in


def test_yaml_dump_writes_what_it_can_read_back(tmp_path: Path) -> None:
    fileio.dump({"pair": (1, 2)}, tmp_path / "t.yaml")
    assert fileio.load(tmp_path / "t.yaml") == {"pair": [1, 2]}


def test_register_handler_for_npy(tmp_path: Path) -> None:
    @register_handler("npy")
    class NpyHandler(BaseFileHandler):
        str_like = False

        def load_from_fileobj(self, file, **kwargs):
            return np.load(file, **kwargs)

        def dump_to_fileobj(self, obj, file, **kwargs):
            np.save(file, obj, **kwargs)

        def dump_to_str(self, obj, **kwargs):
            return obj.tobytes()

    array = np.linspace(0, 1, 5)
    fileio.dump(array, tmp_path / "a.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy"), array)
    np.testing.assert_array_equal(fileio.load(tmp_path / "a.npy"), array)


def test_register_handler_for_several_formats(tmp_path: Path) -> None:
    @register_handler(["txt", "log"])
    class TxtHandler(BaseFileHandler):
        def load_from_fileobj(self, file, **kwargs):
            return file.read()

        def dump_to_fileobj(self, obj, file, **kwargs):
            file.write(str(obj))

        def dump_to_str(self, obj, **kwargs):
            return str(obj)

    fileio.dump(12345, tmp_path / "n.txt")
    fileio.dump("line", tmp_path / "n.log")
    assert fileio.load(tmp_path / "n.txt") == "12345"
    assert fileio.load(tmp_path / "n.log") == "line"
    assert fileio.dump([1], file_format="log") == "[1]"


def test_register_handler_validates() -> None:
    with pytest.raises(TypeError, match="BaseFileHandler instance"):
        register_handler("bad")(dict)
    with pytest.raises(TypeError, match="list of str"):
        register_handler(3)(fileio.JsonHandler)  # type: ignore[arg-type]


def test_unknown_format_lists_registered_formats(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedFormatError) as info:
        fileio.load(tmp_path / "data.xyz")
    assert "'xyz'" in str(info.value)
    for fmt in ("json", "yaml", "pkl"):
        assert fmt in str(info.value)
    with pytest.raises(TypeError, match="Registered formats"):  # MMEngine raised TypeError
        fileio.dump({}, file_format="xyz")


def test_deprecated_file_client_args_still_work(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    with pytest.warns(DeprecationWarning, match="backend_args"):
        fileio.dump(DATA, path, file_client_args=dict(backend="disk"))
    with pytest.warns(DeprecationWarning):
        assert fileio.load(path, file_client_args=dict(backend="disk")) == DATA
    with pytest.raises(ValueError, match="both were given"):
        fileio.load(path, file_client_args={}, backend_args={})


def test_text_handlers_read_as_text_mode_would(tmp_path: Path) -> None:
    @register_handler("crlf")
    class Lines(BaseFileHandler):
        def load_from_fileobj(self, file, **kwargs):
            return file.read()

        def dump_to_fileobj(self, obj, file, **kwargs):
            file.write(obj)

        def dump_to_str(self, obj, **kwargs):
            return obj

    (tmp_path / "w.crlf").write_bytes(b"a\r\nb\r\n")
    assert fileio.load(tmp_path / "w.crlf") == "a\nb\n"
