"""Errors a user can meet: one-line messages, one exit code per cause.

The CLI prints `cad3d: error: <message>` and exits with `exit_code`; FreeCAD shows the message.
Internal invariants are `assert`s, not these.
"""

from __future__ import annotations


class Cad3dError(Exception):
    """Base of every user-facing error."""

    exit_code = 1


class InputNotFound(Cad3dError):
    exit_code = 2


class UnsupportedInput(Cad3dError):
    """A file type we do not read (a DWG, a text file)."""

    exit_code = 3


class CorruptInput(Cad3dError):
    """A file of a supported type that cannot be decoded (truncated, zero bytes)."""

    exit_code = 4


class InputTooLarge(Cad3dError):
    """An image whose decoded size exceeds the memory bound (a decompression bomb)."""

    exit_code = 5


class NoDrawing(Cad3dError):
    """A blank or all-black page, or nothing that looks like a drawing."""

    exit_code = 6


class NoGeometry(Cad3dError):
    """A drawing in which the converter found nothing it could lift to 3D."""

    exit_code = 7


class OutputError(Cad3dError):
    """The output cannot be written (unwritable folder, unknown extension, exists)."""

    exit_code = 8


class ModelError(Cad3dError):
    """Weights missing, corrupt or made for another model."""

    exit_code = 9


class DependencyMissing(Cad3dError):
    """An optional dependency (torch, timm, FreeCAD) is needed for this and is not installed."""

    exit_code = 10


class UsageError(Cad3dError):
    """Arguments that do not fit together."""

    exit_code = 11
