"""The pretrained pipelines shipped with the package (the registry of shipped models;
their files are arrays and JSON, checked against digests kept in the code)."""

from ._pretrained import list_pretrained, load_pretrained, pretrained_info

__all__ = ["list_pretrained", "load_pretrained", "pretrained_info"]
