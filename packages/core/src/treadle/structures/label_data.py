"""``LabelData``: label fields (class labels, scene tags ...) with onehot helpers."""

from __future__ import annotations

import torch

from treadle.structures.base_data_element import BaseDataElement


class LabelData(BaseDataElement):
    """A data element for labels; adds conversions between label indices and onehot vectors."""

    @staticmethod
    def label_to_onehot(label: torch.Tensor, num_classes: int) -> torch.Tensor:
        """``tensor([1])`` with 4 classes -> ``tensor([0, 1, 0, 0])`` (same dtype as ``label``)."""
        if not isinstance(label, torch.Tensor):
            raise TypeError(f"label must be a torch.Tensor, got {type(label).__name__}")
        if label.numel() and not (int(label.min()) >= 0 and int(label.max()) < num_classes):
            raise ValueError(
                f"labels must lie in [0, {num_classes}) for num_classes={num_classes}, "
                f"got {label.tolist()}"
            )
        onehot = label.new_zeros((num_classes,))
        onehot[label] = 1
        return onehot

    @staticmethod
    def onehot_to_label(onehot: torch.Tensor) -> torch.Tensor:
        """``tensor([0, 1, 0, 1])`` -> ``tensor([1, 3])``: the positions of the ones."""
        if not isinstance(onehot, torch.Tensor):
            raise TypeError(f"onehot must be a torch.Tensor, got {type(onehot).__name__}")
        is_onehot = onehot.ndim == 1 and bool(((onehot == 0) | (onehot == 1)).all())
        if not is_onehot:
            raise ValueError(
                f"expected a 1-D tensor of zeros and ones, got shape {tuple(onehot.shape)}: "
                f"{onehot}; it cannot be converted to labels"
            )
        return onehot.nonzero().squeeze(-1)
