"""Size limits for reading and writing bundles.

Every size read from a bundle is checked against these before memory or disk is spent on it.
Tests pass smaller limits so that "a part over the limit" needs kilobytes, not gigabytes.
"""

from __future__ import annotations

from dataclasses import dataclass

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """Caps enforced while packing and reading; the defaults are the format's maxima."""

    #: Stored size of one part file. 1 GiB keeps every file far below FAT32's 4 GiB limit.
    max_part_size: int = GiB
    #: Uncompressed bytes in one zstd frame; the reader holds at most one frame's output.
    max_frame_size: int = 4 * MiB
    #: Largest zstd window a reader accepts (the decoder allocates this much).
    max_window_size: int = 8 * MiB
    max_manifest_size: int = MiB
    max_signature_file_size: int = 16 * KiB
    max_parts: int = 4096
    #: Uncompressed bytes of all parts together.
    max_total_size: int = 16 * GiB
    #: One newline-delimited record.
    max_record_size: int = MiB
    #: Plaintext bytes per AEAD chunk in encrypted parts (written; readers accept any valid size).
    chunk_size: int = 64 * KiB
    #: Content bundles: the course package rules of docs/course-format.md.
    max_files: int = 5000
    max_file_size: int = GiB
    max_content_size: int = 4 * GiB
    #: Sequence numbers may skip ahead (bundles lost on a stick) but not by more than this.
    max_sequence_jump: int = 100_000
    #: Buffer for copying and hashing; memory use is a small multiple of this.
    io_block: int = 256 * KiB


DEFAULT_LIMITS = Limits()
