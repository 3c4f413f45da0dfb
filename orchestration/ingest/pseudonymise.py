"""Keyed pseudonyms for personal data, computed inside DuckDB (no row-by-row Python).

HMAC-SHA256 (RFC 2104) written as SQL: sha256(K^opad || sha256(K^ipad || message)),
truncated to its first 128 bits (32 hex digits), as HMAC-SHA-256-128 (RFC 4868) does.
The message is the trimmed, lower-cased value, so the same person links across files
and forces while nobody without the key can recover or test a name.

Why 128 bits: pseudonyms were most of the warehouse (six columns, stored in raw and again in
staging: 4.3 of 5.8 GB on the national year), and every nightly publish copies the whole
file. 32 hex digits store in about half the space of 64. Two people collide with probability
about n^2 / 2^129: below 1e-22 for a hundred million distinct values. A truncated pseudonym
is the prefix of the full one, so warehouses written before keep linking (migrations.py).

The same keyed hash stands in for what cannot be pseudonymised field by field:
- a quarantined line that does not split into fields is kept only as the HMAC of its bytes
  (`line_hmac_sql`): whoever holds the landing file and the key can tell which line it was,
  nobody else learns anything from it;
- free text (`FREE_TEXT`) has the row's own name and address replaced by their pseudonym
  (`mask_sql`), matched in any case once trimmed. Only the row's own values, written as in
  their column: other people's names, a first name alone, nicknames, misspellings, an
  address written differently, and values shorter than `MIN_MASKED_LENGTH` stay as written.
  Dates of birth are not searched (rarely written as in their column; the search costs).
"""

from __future__ import annotations

import hashlib

_BLOCK = 64
PSEUDONYM_HEX_DIGITS = 32
# Free-text columns per export kind, and the row's own personal values masked in them.
FREE_TEXT = {"incidents": {"summary": ("caller_name", "caller_address")}}
# Shorter values ("Al", "5") would mask ordinary words and numbers all over the text.
MIN_MASKED_LENGTH = 3


def hmac_pads(key: str) -> tuple[bytes, bytes]:
    """The inner and outer padded keys, bound into the SQL as BLOB parameters."""
    raw = key.encode("utf-8")
    if len(raw) > _BLOCK:
        raw = hashlib.sha256(raw).digest()
    raw = raw.ljust(_BLOCK, b"\0")
    inner = bytes(b ^ 0x36 for b in raw)
    outer = bytes(b ^ 0x5C for b in raw)
    return inner, outer


def _hmac(message_blob_sql: str, inner_param: str, outer_param: str) -> str:
    return (f"left(sha256({outer_param} || unhex(sha256({inner_param} || {message_blob_sql}))), "
            f"{PSEUDONYM_HEX_DIGITS})")


def hmac_sql(value_sql: str, inner_param: str = "$ipad", outer_param: str = "$opad") -> str:
    """SQL expression for the pseudonym of `value_sql` (NULL or blank -> NULL)."""
    return (
        f"CASE WHEN nullif(trim({value_sql}), '') IS NULL THEN NULL ELSE "
        f"{_hmac(f'encode(lower(trim({value_sql})))', inner_param, outer_param)} END"
    )


def line_hmac_sql(blob_sql: str, inner_param: str = "$ipad", outer_param: str = "$opad") -> str:
    """SQL expression for the keyed hash of a line's exact bytes (a BLOB)."""
    return _hmac(blob_sql, inner_param, outer_param)


def holds_sql(text_sql: str, value_sql: str) -> str:
    """Whether the text holds the value, in any case: cheap (no regular expression), to find
    the few rows `mask_sql` must rewrite."""
    return f"contains(lower({text_sql}), lower({value_sql}))"


def mask_sql(text_sql: str, label: str, value_sql: str) -> str:
    """`text_sql` with every occurrence of `value_sql` (a trimmed value, NULL when blank), in
    any case, replaced by `[label:<its pseudonym>]`: the pseudonym its *_hash column holds.
    Meant for rows where `holds_sql` is true (the regular expression is compiled per row).
    `label` is a canonical column name, never file content."""
    return (f"CASE WHEN length({value_sql}) >= {MIN_MASKED_LENGTH} THEN regexp_replace({text_sql}, "
            f"'(?i)' || regexp_escape({value_sql}), '[{label}:' || {hmac_sql(value_sql)} || ']', 'g') "
            f"ELSE {text_sql} END")
