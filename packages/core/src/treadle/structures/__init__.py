"""Data elements: the containers that carry samples and predictions between components."""

from treadle.structures.base_data_element import BaseDataElement
from treadle.structures.instance_data import InstanceData
from treadle.structures.label_data import LabelData
from treadle.structures.pixel_data import PixelData

__all__ = ["BaseDataElement", "InstanceData", "LabelData", "PixelData"]
