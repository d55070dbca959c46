"""Sniffing a landed text file: encoding, line endings, delimiter and the header row.

Exports arrive as UTF-8, UTF-8 with BOM or cp1252 (sometimes mixed line by line), with LF, CRLF or old-Mac CR
line endings, comma, semicolon or tab delimited, and sometimes with a report preamble above the header.
The sniffer finds the header by looking for the contract's column names, so it never guesses by position.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from assets.ingest.contracts import Contract, normalise_header

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_LINES = 40
SAMPLE_BYTES = 1 << 20


@dataclass
class TextScan:
    """One pass over the file's bytes: what its encoding and line endings are, and where blank lines are."""

    encoding: str
    newline: str
    n_lines: int
    blank_lines: list[int] = field(default_factory=list)
    cp1252_lines: list[int] = field(default_factory=list)

    @property
    def needs_rewrite(self) -> bool:
        return self.encoding not in ("utf-8", "utf-8-sig") or self.newline == "\r"


@dataclass
class Sniffed:
    delimiter: str
    header_line: int  # 1-based line number of the header in the (rewritten) text
    header: list[str]
    matched: int  # how many header cells are known column names or aliases


def _newline_of(sample: bytes) -> str:
    crlf = sample.count(b"\r\n")
    lf = sample.count(b"\n") - crlf
    cr = sample.count(b"\r") - crlf
    if cr > max(crlf, lf):
        return "\r"
    return "\r\n" if crlf >= lf and crlf > 0 else "\n"


def scan_text(path: Path, declared_encoding: str = "detect") -> TextScan:
    """Read the file once: decide the encoding per line (UTF-8, else cp1252) and list blank lines."""
    data_head = path.open("rb").read(SAMPLE_BYTES)
    newline = _newline_of(data_head)
    has_bom = data_head.startswith(codecs.BOM_UTF8)
    sep = b"\r" if newline == "\r" else b"\n"
    blank: list[int] = []
    cp1252: list[int] = []
    non_ascii_utf8 = False
    n = 0
    with path.open("rb") as handle:
        pending = b""
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            pending += chunk
            lines = pending.split(sep)
            pending = lines.pop()
            for line in lines:
                n += 1
                non_ascii_utf8 |= _classify(line, n, blank, cp1252)
        if pending:
            n += 1
            non_ascii_utf8 |= _classify(pending, n, blank, cp1252)
    if declared_encoding != "detect":
        encoding = declared_encoding
        cp1252 = list(range(1, n + 1)) if declared_encoding in ("cp1252", "latin-1") else []
    elif not cp1252:
        encoding = "utf-8-sig" if has_bom else "utf-8"
    else:
        encoding = "mixed" if non_ascii_utf8 else "cp1252"
    return TextScan(encoding=encoding, newline=newline, n_lines=n, blank_lines=blank, cp1252_lines=cp1252)


def _classify(line: bytes, number: int, blank: list[int], cp1252: list[int]) -> bool:
    stripped = line.strip()
    if not stripped or stripped == b"\xef\xbb\xbf":
        blank.append(number)
        return False
    if line.isascii():
        return False
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        cp1252.append(number)
        return False


def rewrite_as_utf8(path: Path, scan: TextScan, target: Path) -> None:
    """Write a UTF-8, LF copy: each line decoded as UTF-8 where valid, else as cp1252 (nothing dropped)."""
    sep = b"\r" if scan.newline == "\r" else b"\n"
    bad = set(scan.cp1252_lines)
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="\n") as dst:
        pending = b""
        number = 0
        for chunk in iter(lambda: src.read(1 << 22), b""):
            pending += chunk
            lines = pending.split(sep)
            pending = lines.pop()
            for line in lines:
                number += 1
                dst.write(_decode_line(line, number in bad) + "\n")
        if pending:
            number += 1
            dst.write(_decode_line(pending, number in bad) + "\n")


def _decode_line(line: bytes, is_cp1252: bool) -> str:
    line = line.rstrip(b"\r")
    if line.startswith(codecs.BOM_UTF8):
        line = line[len(codecs.BOM_UTF8) :]
    return line.decode("cp1252", errors="replace") if is_cp1252 else line.decode("utf-8")


def read_head_lines(path: Path, encoding: str, limit: int = HEADER_SEARCH_LINES) -> list[str]:
    """First lines of a UTF-8 (or rewritten) file, universal newlines, BOM removed."""
    enc = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
    lines: list[str] = []
    with path.open("r", encoding=enc, errors="replace", newline=None) as handle:
        for line in handle:
            lines.append(line.rstrip("\n"))
            if len(lines) >= limit:
                break
    return lines


def score_header(cells: list[str], contract: Contract) -> int:
    aliases = contract.alias_map()
    return len({aliases[normalise_header(c)] for c in cells if normalise_header(c) in aliases})


def find_header(rows: list[list[str]], contract: Contract, header_row: int | str = "detect") -> tuple[int, int]:
    """Return (0-based index of the header row, number of known columns it names)."""
    if header_row != "detect":
        index = int(header_row) - 1
        return index, score_header(rows[index] if index < len(rows) else [], contract)
    best_index, best_score = 0, -1
    for index, cells in enumerate(rows):
        score = score_header([str(c) for c in cells if c is not None], contract)
        if score > best_score:
            best_index, best_score = index, score
    return best_index, max(best_score, 0)


def sniff_csv(lines: list[str], contract: Contract) -> Sniffed:
    """Pick the delimiter and header line that name the most contract columns."""
    options = contract.csv
    delimiters = CANDIDATE_DELIMITERS if options.delimiter == "detect" else (options.delimiter,)
    best: Sniffed | None = None
    for delimiter in delimiters:
        rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar=options.quote))
        if not rows:
            continue
        index, score = find_header(rows, contract, options.header_row)
        candidate = Sniffed(delimiter, index + 1, [c.strip() for c in rows[index]], score)
        if best is None or candidate.matched > best.matched:
            best = candidate
    if best is None:
        return Sniffed(delimiters[0], 1, [], 0)
    return best
