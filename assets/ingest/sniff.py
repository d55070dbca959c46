"""Sniffing a landed text file: encoding, line endings, delimiter and the header row.

Exports arrive as UTF-8, UTF-8 with BOM or cp1252 (sometimes mixed line by line), as UTF-16 (Excel's "Unicode
text", with or without a byte-order mark) or in another declared encoding, with LF, CRLF or old-Mac CR line
endings, comma, semicolon or tab delimited, and sometimes with a report preamble above the header.
A file that is not UTF-8 is transcoded to a UTF-8 copy, in chunks, before DuckDB parses it.
The sniffer finds the header by looking for the contract's column names, so it never guesses by position.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from assets.ingest.contracts import Contract, normalise_header

CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
HEADER_SEARCH_LINES = 40
SAMPLE_BYTES = 1 << 20
CHUNK_BYTES = 1 << 22
ASCII_SPACE = " \t\n\r\x0b\x0c"  # what bytes.strip() removes: a line of only these is blank
NUL_SAMPLE_BYTES = 1 << 16
# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
WIDE_LABELS = {"utf-16-le": "UTF-16 LE", "utf-16-be": "UTF-16 BE", "utf-32-le": "UTF-32 LE", "utf-32-be": "UTF-32 BE"}


class EncodingError(ValueError):
    """The file's bytes are not in the declared (or detected) encoding; the message names the file and line."""


def _c1_fallback(exc: UnicodeError) -> tuple[str, int]:
    """cp1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; read them as the C1 controls Windows maps them to."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(b) for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error("kinerja-c1", _c1_fallback)


@dataclass
class TextScan:
    """One pass over the file's bytes: what its encoding and line endings are, and where blank lines are.

    ``codec`` set: the whole file is decoded with it (after skipping ``bom`` bytes), e.g. UTF-16 or a declared
    encoding; ``codec`` None: line by line, UTF-8 where valid and cp1252 for the ``cp1252_lines``.
    """

    encoding: str
    newline: str
    n_lines: int
    blank_lines: list[int] = field(default_factory=list)
    cp1252_lines: list[int] = field(default_factory=list)
    codec: str | None = None
    bom: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def needs_rewrite(self) -> bool:
        return self.codec is not None or self.encoding not in ("utf-8", "utf-8-sig") or self.newline == "\r"


@dataclass
class Sniffed:
    delimiter: str
    header_line: int  # 1-based line number of the header in the (rewritten) text; 0: the file has no header
    header: list[str]
    matched: int  # how many header cells are known column names or aliases


def _newline_of(sample: bytes | str) -> str:
    crlf, lf, cr = ("\r\n", "\n", "\r") if isinstance(sample, str) else (b"\r\n", b"\n", b"\r")
    n_crlf = sample.count(crlf)
    n_lf = sample.count(lf) - n_crlf
    n_cr = sample.count(cr) - n_crlf
    if n_cr > max(n_crlf, n_lf):
        return "\r"
    return "\r\n" if n_crlf >= n_lf and n_crlf > 0 else "\n"


def bom_encoding(head: bytes) -> tuple[str, int] | None:
    """(encoding, length) of the byte-order mark the file starts with, if any."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return name, len(bom)
    return None


def wide_by_nuls(head: bytes) -> str | None:
    """utf-16-le/-be or utf-32-le/-be when the NUL bytes fall on fixed sides of the code units, as they do for
    text that is mostly ASCII (delimiters, digits, line ends); UTF-8 and cp1252 text has no NUL bytes."""
    sample = head[:NUL_SAMPLE_BYTES]
    sample = sample[: len(sample) - len(sample) % 4]
    quads = len(sample) // 4
    if quads < 2:
        return None
    nuls = [sample[i::4].count(0) for i in range(4)]  # NUL bytes at offsets 0, 1, 2, 3 of each 4 bytes
    if min(nuls[2], nuls[3]) * 10 >= quads * 9 and nuls[0] * 10 <= nuls[3]:
        return "utf-32-le"
    if min(nuls[0], nuls[1]) * 10 >= quads * 9 and nuls[3] * 10 <= nuls[0]:
        return "utf-32-be"
    even, odd = nuls[0] + nuls[2], nuls[1] + nuls[3]
    needed = max(4, quads // 10)  # NUL in at least 5% of the byte pairs
    if odd >= needed and even * 10 <= odd:
        return "utf-16-le"
    if even >= needed and odd * 10 <= even:
        return "utf-16-be"
    return None


def looks_wide(head: bytes) -> tuple[str, str] | None:
    """(utf-16/32 encoding, why) when the bytes are UTF-16 or UTF-32, from the byte-order mark or NUL pattern."""
    bom = bom_encoding(head)
    if bom and bom[0] in WIDE_LABELS:
        return bom[0], f"it starts with the {WIDE_LABELS[bom[0]]} byte-order mark {head[: bom[1]].hex(' ').upper()}"
    by_nuls = wide_by_nuls(head)
    if by_nuls:
        pattern = {
            "utf-16-le": "the second byte of each pair is NUL",
            "utf-16-be": "the first byte of each pair is NUL",
            "utf-32-le": "the last bytes of each four are NUL",
            "utf-32-be": "the first bytes of each four are NUL",
        }[by_nuls]
        return by_nuls, f"no byte-order mark, but {pattern}"
    return None


def _codec_name(encoding: str) -> str:
    return codecs.lookup(encoding).name


def scan_text(path: Path, declared_encoding: str = "detect") -> TextScan:
    """Read the file once: decide the encoding and list blank lines.

    detect: a UTF-16/32 byte-order mark or NUL-byte pattern decides; otherwise each line is UTF-8 if valid,
    else cp1252. A declared encoding is checked against the bytes: a contradiction is an EncodingError.
    """
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    wide = looks_wide(head)
    declared = "detect" if declared_encoding == "detect" else _codec_name(declared_encoding)
    if declared == "detect":
        if wide is None:
            return _scan_lines(path, head)
        encoding, why = wide
        scan = _scan_decoded(path, head, encoding, declared_encoding)
        if bom_encoding(head) is None:
            scan.notes.append(f"read as {WIDE_LABELS[encoding]}: {why}")
        return scan
    if declared in ("utf-8", "utf-8-sig"):
        _refuse_wide(path, wide, declared_encoding)
        scan = _scan_lines(path, head)
        if scan.cp1252_lines:
            number = scan.cp1252_lines[0]
            raise EncodingError(
                f"{path}: line {number} is not valid UTF-8 but csv.encoding is {declared_encoding!r} "
                f"(rule: encoding); the bytes look like cp1252 (Windows): declare csv.encoding: cp1252, or detect "
                f"to read each line as UTF-8 and the others as cp1252"
            )
        scan.encoding = declared
        return scan
    family = declared[:6] if declared.startswith(("utf-16", "utf-32")) else None
    if family is None:
        _refuse_wide(path, wide, declared_encoding)
        _refuse_utf8(path, head, declared_encoding)
        return _scan_decoded(path, head, declared, declared_encoding)
    bom = bom_encoding(head)
    if wide is not None and wide[0].startswith(family) and declared in (family, wide[0]):
        return _scan_decoded(path, head, wide[0], declared_encoding)
    if bom is not None and bom[0] not in WIDE_LABELS:
        found = "starts with a UTF-8 byte-order mark"
    elif wide is not None:
        found = f"looks {WIDE_LABELS[wide[0]]} ({wide[1]})"
    else:
        found = f"has neither a byte-order mark nor the NUL bytes of {family.upper()} text"
    raise EncodingError(
        f"{path}: csv.encoding is {declared_encoding!r} but the file {found} (rule: encoding); {_suggest(head)}"
    )


def _suggest(head: bytes) -> str:
    wide = looks_wide(head)
    if wide is not None:
        return f"declare csv.encoding: {wide[0]}, or detect"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "its bytes are valid UTF-8: declare csv.encoding: utf-8, or detect"
    except UnicodeDecodeError:
        return "declare the encoding the file was saved in (e.g. cp1252), or detect"


def _refuse_wide(path: Path, wide: tuple[str, str] | None, declared: str) -> None:
    if wide is not None:
        encoding, why = wide
        raise EncodingError(
            f"{path}: the file looks {WIDE_LABELS[encoding]} ({why}) but csv.encoding is {declared!r} "
            f"(rule: encoding): declare csv.encoding: {encoding}, or detect"
        )


def _refuse_utf8(path: Path, head: bytes, declared: str) -> None:
    """A file whose non-ASCII bytes are all valid UTF-8 would be mojibake ('CafÃ©') in a single-byte encoding."""
    if head.isascii():
        return
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return
    sample = next((line for line in text.splitlines() if not line.isascii()), "")
    raise EncodingError(
        f"{path}: csv.encoding is {declared!r} but the file is UTF-8 (e.g. {sample.strip()[:60]!r}); "
        f"read as {declared} it would become {sample.strip()[:60].encode('utf-8').decode(declared, 'replace')!r} "
        "(rule: encoding): declare csv.encoding: utf-8, or detect"
    )


def _separator(newline: str) -> bytes:
    """Where a file's lines split: at CR for old-Mac files, else at LF (a CRLF line keeps its CR)."""
    return b"\r" if newline == "\r" else b"\n"


def _line_blocks(path: Path, newline: str) -> Iterator[bytes]:
    """The file's lines in blocks of whole lines, read in chunks: ``block.split(sep)`` are the lines (split at CR
    for old-Mac files, else at LF; a CRLF line keeps its CR); a last line without a newline counts, an empty one
    does not."""
    sep = _separator(newline)
    with path.open("rb") as handle:
        pending = b""
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            pending += chunk
            cut = pending.rfind(sep)
            if cut >= 0:
                yield pending[:cut]
                pending = pending[cut + 1 :]
        if pending:
            yield pending


def _byte_lines(path: Path, newline: str) -> Iterator[bytes]:
    """The file's lines, one by one (``_line_blocks``)."""
    sep = _separator(newline)
    for block in _line_blocks(path, newline):
        yield from block.split(sep)


def _scan_lines(path: Path, head: bytes) -> TextScan:
    """ASCII-compatible bytes, line by line: UTF-8 where valid, else cp1252.

    A block of lines that is valid UTF-8 (ASCII most often) and holds no blank line and no byte-order mark is
    counted whole; only the other blocks are classified line by line (a file of 14 million lines: 15 s -> 1 s)."""
    newline = _newline_of(head)
    sep = _separator(newline)
    has_bom = head.startswith(codecs.BOM_UTF8)
    blank: list[int] = []
    cp1252: list[int] = []
    non_ascii_utf8 = False
    n = 0
    for block in _line_blocks(path, newline):
        lines = block.count(sep) + 1
        if not _has_blank_line(block, sep) and codecs.BOM_UTF8 not in block and _is_utf8(block):
            non_ascii_utf8 |= not block.isascii()
        else:
            for number, line in enumerate(block.split(sep), start=n + 1):
                non_ascii_utf8 |= _classify(line, number, blank, cp1252)
        n += lines
    encoding = "utf-8-sig" if has_bom else "utf-8"
    if cp1252:
        encoding = "mixed" if non_ascii_utf8 else "cp1252"
    return TextScan(encoding=encoding, newline=newline, n_lines=n, blank_lines=blank, cp1252_lines=cp1252)


def _has_blank_line(block: bytes, sep: bytes) -> bool:
    """Whether a line of the block is blank (``bytes.strip`` leaves nothing): only ASCII whitespace between two
    separators, or before the first or after the last."""
    space = b" \t\n\r\x0b\x0c".replace(sep, b"")
    inner = _BLANK_INNER[sep]
    return block.lstrip(space)[:1] in (b"", sep) or block.rstrip(space)[-1:] == sep or inner.search(block) is not None


_BLANK_INNER = {b"\n": re.compile(rb"\n[ \t\r\x0b\x0c]*\n"), b"\r": re.compile(rb"\r[ \t\n\x0b\x0c]*\r")}


def _is_utf8(block: bytes) -> bool:
    if block.isascii():
        return True
    try:
        block.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _scan_decoded(path: Path, head: bytes, codec: str, declared: str) -> TextScan:
    """A file decoded as a whole (UTF-16, a declared encoding): count its lines and find the blank ones."""
    bom = bom_encoding(head)
    skip = bom[1] if bom is not None and _codec_name(bom[0]).startswith(_codec_name(codec)) else 0
    head_text = codecs.getincrementaldecoder(codec)("replace").decode(head[skip:], final=False)
    scan = TextScan(encoding=codec, newline=_newline_of(head_text), n_lines=0, codec=codec, bom=skip)
    if declared not in ("detect", codec):
        scan.encoding = declared if _codec_name(declared) == codec else codec
    for number, line in enumerate(_decoded_lines(path, scan, declared), start=1):
        scan.n_lines = number
        if line.strip(ASCII_SPACE) in ("", "\ufeff"):
            scan.blank_lines.append(number)
    return scan


def _errors_for(codec: str) -> str:
    return "kinerja-c1" if codec == "cp1252" else "strict"


def _decoded_lines(path: Path, scan: TextScan, declared: str):
    """The lines of a file decoded with ``scan.codec``, read in chunks (line ends removed)."""
    assert scan.codec is not None
    sep = "\r" if scan.newline == "\r" else "\n"
    decoder = codecs.getincrementaldecoder(scan.codec)(_errors_for(scan.codec))
    done = 0
    pending = ""
    with path.open("rb") as handle:
        handle.seek(scan.bom)
        while True:
            chunk = handle.read(CHUNK_BYTES)
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(path, scan, declared, exc, done) from None
            pending += text
            lines = pending.split(sep)
            pending = lines.pop()
            for line in lines:
                done += 1
                yield line.removesuffix("\r") if sep == "\n" else line
            if not chunk:
                break
    if pending:
        yield pending.removesuffix("\r") if sep == "\n" else pending


def _decode_error(path: Path, scan: TextScan, declared: str, exc: UnicodeDecodeError, done: int) -> EncodingError:
    assert scan.codec is not None
    before = exc.object[: exc.start].decode(scan.codec, "replace")
    line = done + before.count("\r" if scan.newline == "\r" else "\n") + 1
    bad = exc.object[exc.start : exc.end].hex(" ").upper()
    label = WIDE_LABELS.get(scan.codec, scan.codec)
    if declared == "detect":
        return EncodingError(
            f"{path}: the file looks {label} but line {line} is not valid {label} (bytes {bad}) (rule: encoding); "
            "declare the encoding the file was saved in"
        )
    return EncodingError(
        f"{path}: line {line} is not valid {label} (bytes {bad}) but csv.encoding is {declared!r} "
        f"(rule: encoding); declare the encoding the file was saved in, or detect"
    )


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
    """Write a UTF-8, LF copy, in chunks: decoded with ``scan.codec``, or else each line as UTF-8 where valid
    and as cp1252 where not (nothing dropped)."""
    if scan.codec is not None:
        with target.open("w", encoding="utf-8", newline="\n") as dst:
            for line in _decoded_lines(path, scan, scan.encoding):
                dst.write(line.removeprefix("\ufeff") + "\n")
        return
    bad = set(scan.cp1252_lines)
    with target.open("w", encoding="utf-8", newline="\n") as dst:
        for number, line in enumerate(_byte_lines(path, scan.newline), start=1):
            dst.write(_decode_line(line, number in bad) + "\n")


def _decode_line(line: bytes, is_cp1252: bool) -> str:
    line = line.rstrip(b"\r")
    if line.startswith(codecs.BOM_UTF8):
        line = line[len(codecs.BOM_UTF8) :]
    return line.decode("cp1252", errors="kinerja-c1") if is_cp1252 else line.decode("utf-8")


# The longest line (and so field) a text file may have: a header search that met a 1 GB single-line file read it
# whole (6.4 GB of memory) before Python's csv module refused a field over 131,072 characters.
MAX_LINE_CHARS = 1_000_000


class LineTooLong(ValueError):
    """A line of the file is longer than MAX_LINE_CHARS."""


def read_head_lines(path: Path, encoding: str, limit: int = HEADER_SEARCH_LINES) -> list[str]:
    """First lines of a UTF-8 (or rewritten) file, universal newlines, BOM removed; a line longer than
    MAX_LINE_CHARS stops the read with LineTooLong (never more than that is held in memory)."""
    enc = "utf-8-sig" if encoding in ("utf-8", "utf-8-sig") else encoding
    lines: list[str] = []
    with path.open("r", encoding=enc, errors="replace", newline=None) as handle:
        while len(lines) < limit:
            line = handle.readline(MAX_LINE_CHARS + 1)
            if not line:
                break
            if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
                raise LineTooLong(
                    f"{path}: line {len(lines) + 1} is longer than {MAX_LINE_CHARS:,} characters (rule: "
                    "max_line_length); is this a text export? A binary file, or line ends the reader does not "
                    "know, give one endless line"
                )
            lines.append(line.rstrip("\n"))
    return lines


def score_header(cells: list[str], contract: Contract, aliases: dict[str, str] | None = None) -> int:
    """How many contract columns ``cells`` name (``aliases``: the contract's alias map, when the caller has it)."""
    aliases = contract.alias_map() if aliases is None else aliases
    named = (aliases.get(normalise_header(c)) for c in cells)
    return len({name for name in named if name is not None})


def find_header(rows: list[list[str]], contract: Contract, header_row: int | str = "detect") -> tuple[int, int]:
    """Return (0-based index of the header row, number of known columns it names)."""
    if header_row != "detect":
        index = int(header_row) - 1
        return index, score_header(rows[index] if index < len(rows) else [], contract)
    best_index, best_score = 0, -1
    aliases = contract.alias_map()  # once: it normalises every alias of every column
    for index, cells in enumerate(rows):
        score = score_header([str(c) for c in cells if c is not None], contract, aliases)
        if score > best_score:
            best_index, best_score = index, score
    return best_index, max(best_score, 0)


def sniff_csv(lines: list[str], contract: Contract) -> Sniffed:
    """Pick the delimiter and header line that name the most contract columns."""
    options = contract.csv
    delimiters = CANDIDATE_DELIMITERS if options.delimiter == "detect" else (options.delimiter,)
    best: Sniffed | None = None
    for delimiter in delimiters:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar=options.quote))
        except csv.Error:  # e.g. an unclosed quote running into a field over csv.field_size_limit()
            continue
        if not rows:
            continue
        index, score = find_header(rows, contract, options.header_row)
        candidate = Sniffed(delimiter, index + 1, [c.strip() for c in rows[index]], score)
        if best is None or candidate.matched > best.matched:
            best = candidate
    if best is None:
        return Sniffed(delimiters[0], 1, [], 0)
    return best


def sniff_headerless(lines: list[str], contract: Contract, width: int) -> Sniffed:
    """A file without a header (``csv.header: false``): pick the delimiter that splits the most of the first
    lines into ``width`` fields. ``header_line`` is 0; ``header`` holds the first row's cells and ``matched`` how
    many contract columns they name (a high count means the file has a header after all)."""
    options = contract.csv
    delimiters = CANDIDATE_DELIMITERS if options.delimiter == "detect" else (options.delimiter,)
    best: tuple[int, str, list[str]] | None = None
    for delimiter in delimiters:
        reader = csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter, quotechar=options.quote)
        rows = [r for r in reader if any(c.strip() for c in r)]
        fits = sum(len(r) == width for r in rows)
        if best is None or fits > best[0]:
            best = (fits, delimiter, rows[0] if rows else [])
    assert best is not None
    _, delimiter, first = best
    cells = [c.strip() for c in first]
    return Sniffed(delimiter, 0, cells, score_header(cells, contract))
