"""Config.fromfile on s3:// reads through treadle.fileio, with a _base_ in the same bucket."""

from __future__ import annotations

import json
from typing import Any

import treadle.fileio as fileio

BASE = """
model = dict(type='ResNet', depth=50, norm_cfg=dict(type='BN'))
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.1))
"""

CHILD = """
_base_ = ['./_base_/model.py']
model = dict(depth=18)
optim_wrapper = dict(optimizer=dict(lr=0.02))
work_dir = 'runs/{{fileBasenameNoExtension}}'
"""


def test_config_fromfile_on_s3_with_a_remote_base(
    bucket: str, s3_args: dict[str, Any], python
) -> None:
    fileio.put_text(BASE, f"s3://{bucket}/configs/_base_/model.py", backend_args=s3_args)
    fileio.put_text(CHILD, f"s3://{bucket}/configs/resnet18.py", backend_args=s3_args)
    # Config.fromfile takes no backend_args: credentials and endpoint come from the
    # environment, as boto reads them for any S3 client
    env = {
        "AWS_ACCESS_KEY_ID": s3_args["key"],
        "AWS_SECRET_ACCESS_KEY": s3_args["secret"],
        "AWS_ENDPOINT_URL": s3_args["endpoint_url"],
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = python(
        "import json\n"
        "from treadle.config import Config\n"
        f"cfg = Config.fromfile('s3://{bucket}/configs/resnet18.py')\n"
        "print(json.dumps(cfg.to_dict()))",
        env_extra=env,
    ).stdout
    cfg = json.loads(out.strip().splitlines()[-1])
    assert cfg["model"] == {"type": "ResNet", "depth": 18, "norm_cfg": {"type": "BN"}}
    assert cfg["optim_wrapper"] == {"optimizer": {"type": "SGD", "lr": 0.02}}
    assert cfg["work_dir"] == "runs/resnet18"


def test_missing_remote_config_is_named(bucket: str, s3_args: dict[str, Any], python) -> None:
    env = {
        "AWS_ACCESS_KEY_ID": s3_args["key"],
        "AWS_SECRET_ACCESS_KEY": s3_args["secret"],
        "AWS_ENDPOINT_URL": s3_args["endpoint_url"],
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    result = python(
        f"from treadle.config import Config\nConfig.fromfile('s3://{bucket}/configs/absent.py')",
        env_extra=env,
        check=False,
    )
    assert result.returncode != 0
    assert f"s3://{bucket}/configs/absent.py" in result.stderr
