"""Run an enrollment import: stream, validate, write per chunk, record everything."""

from __future__ import annotations

import json
import operator
import queue
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import compress
from pathlib import Path

import numpy as np
from django.db import connection, transaction
from django.db.models import F, Func, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Greatest, Now
from django.utils import timezone

from accounts.choices import ImportStatus, Via
from accounts.messages import Message
from accounts.models import ImportRun
from accounts.services.bindings import bindings_end_for_enrolment
from policies.selectors import region_code_map

from . import endings
from .changes import add_counts, fields_set, fields_unset, revival_fault
from .fast_checks import Checked
from .headers import Columns, MissingColumns
from .id_columns import key_order, number_keys
from .reader import open_source
from .records import OTHER_REGION, RowError
from .rows import RowValidator, allowed_regions
from .source import UnreadableFile
from .stop import stop_asked
from .writer import ChunkResult, write_chunk, write_errors

CHUNK_SIZE = 20_000  # rows written and committed together
#: rows validated together: a thousand rows' values fit in the CPU's cache, twenty
#: thousand do not, and each column's check then waits on memory (4.0 s → 2.8 s a million
#: rows in ``bench/import_enrollment.py``)
VALIDATE_ROWS = 1_000
# Two writers keep both cores of a small server busy with a fresh load.
WRITER_THREADS = 2

#: How much of a file's header its run keeps: enough for any real extract, not a whole
#: line of junk read as a header.
HEADER_CELLS = 200
HEADER_TITLE_CHARS = 100


def run_file(
    run: ImportRun,
    *,
    path: Path,
    user=None,
    dry_run: bool = False,
    chunk_size: int = CHUNK_SIZE,
    progress: Callable[[ImportRun], None] | None = None,
) -> tuple[str, Message | None]:
    """Read, validate and write the rows of the file at ``path`` for ``run``; return the
    status it ends with and what it says (``services.imports.run_end`` records them).

    Each chunk of good rows is written and committed with the errors found so far, and
    with the run's counters, so a crash loses at most the chunk in flight, and running
    the same file again finishes the job without duplicates. ``user`` limits the rows to
    the user's regions (``None``: a system import, every region).
    """
    try:
        source = open_source(path, run.file_name)
    except UnreadableFile as error:
        return ImportStatus.FAILED, error.said
    except OSError as error:
        return ImportStatus.FAILED, Message(str(error))
    try:
        columns = Columns.from_header(source.header, source.header_line)
    except MissingColumns as error:
        source.close()
        return ImportStatus.FAILED, error.said
    run.encoding = source.encoding
    said = [*source.notes, *columns.warnings]
    run.warnings_data = [Message.of(note).as_json() for note in said]
    run.fields_unset = fields_unset(columns)
    run.header = [title[:HEADER_TITLE_CHARS] for title in source.header[:HEADER_CELLS]]
    run.heartbeat_at = timezone.now()
    fields = ["encoding", "warnings_data", "fields_unset", "header", "heartbeat_at"]
    run.save(update_fields=fields)

    validator = RowValidator(columns, region_code_map(), allowed_regions(user))
    first_line = FirstLines()
    threads = WRITER_THREADS if _may_commit() else 0
    writer = _Writers(run, dry_run, progress, threads, columns)
    stopped = False
    try:
        for chunk in validated_chunks(source, validator, first_line, chunk_size):
            if stop_asked(run):  # one query a chunk
                stopped = True
                break
            writer.submit(chunk)
    except UnreadableFile as error:
        writer.close()
        return ImportStatus.FAILED, error.said
    except BaseException:
        writer.close(abandon=True)
        raise
    finally:
        first_line.close()
    writer.close()
    if stopped:
        source.close()
        return ImportStatus.STOPPED, endings.stopped(run)
    if not run.rows:
        run.warnings_data = [*run.warnings_data, endings.NO_ROWS.as_json()]
    return ImportStatus.FINISHED, None


def validated_chunks(
    source, validator: RowValidator, first_line: FirstLines, chunk_size: int
) -> Iterator[_Chunk]:
    """Read, validate and deduplicate ``source``; yield chunks of about ``chunk_size`` rows.

    Rows are validated a few at a time (``VALIDATE_ROWS``), so that they are
    still in the CPU's cache from one column's check to the next, and gathered
    into chunks to be written. If a line cannot be read, the rows before it are
    yielded before the error is raised.
    """
    batch = _Batch()
    try:
        for lines, rows in source.chunks(min(chunk_size, VALIDATE_ROWS)):
            checked = validator.validate_chunk(lines, rows)
            duplicates, keys = _drop_duplicates(checked, first_line, lines, rows, validator)
            broken = _broken_lines(source, validator)
            batch.add(checked, duplicates + broken, keys, len(rows) + len(broken))
            if batch.rows >= chunk_size:
                yield batch.chunk(source.fraction())
                batch = _Batch()
    except UnreadableFile:
        if batch.rows:
            yield batch.chunk(source.fraction())
        raise
    if batch.rows:
        yield batch.chunk(source.fraction())


def _broken_lines(source, validator: RowValidator) -> list[RowError]:
    """Return the faults of the lines the reader could not read as rows (``BrokenLine``)."""
    faults = []
    for broken in source.take_broken_lines():
        fault = validator.columns.broken_line(broken)
        fault.region = validator.region_of(broken.values)
        faults.append(fault)
    return faults


def _may_commit() -> bool:
    """Return whether chunks may be committed on their own (no caller's transaction open)."""
    return not connection.in_atomic_block


#: Distinct identity numbers kept in memory (12 bytes each); past this, in PostgreSQL.
IN_MEMORY_NUMBERS = 2_000_000
#: The session's temporary table of the numbers seen, once they no longer fit in memory.
SEEN_TABLE = "import_first_lines"


class FirstLines:
    """The line on which each identity number was first seen in the file, kept compact.

    A dict from number to line would take about 110 MB per million rows. Here the
    numbers and their lines are sorted NumPy arrays (12 bytes a number), in runs: each
    piece's new numbers make a run, and a run is merged into the one before it once it
    is at least half its size, so a number is looked up in a few runs by binary search.
    Past ``in_memory`` numbers (a file of several million rows) everything moves to a
    temporary table of this session's PostgreSQL connection, so memory stays bounded
    whatever the file's size; call :meth:`close` to drop it.
    """

    def __init__(self, in_memory: int | None = None):
        self.in_memory = IN_MEMORY_NUMBERS if in_memory is None else in_memory
        self.runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted numbers, their lines)
        self.count = 0
        self.spilled = False

    def add(self, keys: list[int], lines: list[int]) -> list[int]:
        """Record a piece's numbers (in file order) and return the first line of each."""
        local = dict(zip(keys, lines, strict=True))
        if len(local) == len(keys):
            firsts = list(lines)
        else:  # a number twice in the piece: keep the first line of each
            local = {}
            firsts = list(map(local.setdefault, keys, lines))
        if not self.spilled and self.count + len(local) > self.in_memory:
            self._spill()
        if self.spilled:
            return self._add_in_table(keys, local, firsts)
        numbers = np.fromiter(local, dtype=np.int64, count=len(local))
        at = np.fromiter(local.values(), dtype=np.int64, count=len(local))
        earlier = self._earlier(numbers)
        new = earlier < 0
        if new.all():  # the usual case: no number seen before
            self._keep(numbers, at)
            return firsts
        self._keep(numbers[new], at[new])
        seen = dict(zip(numbers[~new].tolist(), earlier[~new].tolist(), strict=True))
        return [seen.get(key, first) for key, first in zip(keys, firsts, strict=True)]

    def _earlier(self, numbers: np.ndarray) -> np.ndarray:
        """Return the line on which each of ``numbers`` was first seen, -1 for one not seen."""
        found = np.full(len(numbers), -1, dtype=np.int64)
        for run, run_lines in self.runs:
            at = np.minimum(np.searchsorted(run, numbers), len(run) - 1)
            hit = run[at] == numbers
            found[hit] = run_lines[at[hit]]
        return found

    def _keep(self, numbers: np.ndarray, lines: np.ndarray) -> None:
        """Record ``numbers`` (none seen before) as a run, merging runs as they grow."""
        if not len(numbers):
            return
        order = np.argsort(numbers)
        self.runs.append((numbers[order], lines[order].astype(np.int32)))
        self.count += len(numbers)
        while len(self.runs) > 1 and 2 * len(self.runs[-1][0]) >= len(self.runs[-2][0]):
            (before, before_lines), (last, last_lines) = self.runs[-2], self.runs.pop()
            merged = np.concatenate((before, last))
            order = np.argsort(merged, kind="stable")  # two sorted runs: merged, not sorted
            self.runs[-1] = (merged[order], np.concatenate((before_lines, last_lines))[order])

    def close(self) -> None:
        if self.spilled:
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {SEEN_TABLE}")
            self.spilled = False

    def _spill(self) -> None:
        """Move every number seen so far into a temporary table, and keep them there."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS {SEEN_TABLE} "
                "(number bigint PRIMARY KEY, line integer NOT NULL)"
            )
            cursor.execute(f"TRUNCATE {SEEN_TABLE}")
            with cursor.copy(f"COPY {SEEN_TABLE} (number, line) FROM STDIN") as copy:
                for numbers, lines in self.runs:
                    for row in zip(numbers.tolist(), lines.tolist(), strict=True):
                        copy.write_row(row)
        self.runs = []
        self.spilled = True

    def _add_in_table(self, keys: list[int], local: dict[int, int], firsts: list[int]):
        """Record a piece's new numbers in the table, and return the first line of each."""
        with connection.cursor() as cursor:
            # The statement's snapshot is from before its own INSERT: ``earlier`` finds the
            # numbers stored by earlier pieces only.
            cursor.execute(
                f"""
                WITH piece (number, line) AS (
                    SELECT * FROM unnest(%s::bigint[], %s::integer[])
                ), earlier AS (
                    SELECT s.number, s.line FROM {SEEN_TABLE} s JOIN piece USING (number)
                ), added AS (
                    INSERT INTO {SEEN_TABLE} SELECT * FROM piece ON CONFLICT DO NOTHING
                )
                SELECT number, line FROM earlier
                """,
                [list(local), list(local.values())],
            )
            earlier = dict(cursor.fetchall())
        if not earlier:
            return firsts  # no number of this piece was seen before
        return [earlier.get(key, first) for key, first in zip(keys, firsts, strict=True)]


def _drop_duplicates(
    checked: Checked, first_line: FirstLines, lines, rows, validator: RowValidator
) -> tuple[list[RowError], list[int]]:
    """Keep the first row of each identity number in the file; report the later ones.

    Return the faults of the later rows, and the keys (``number_keys``) of the rows kept.
    """
    keys = number_keys(checked.national_ids)
    firsts = first_line.add(keys, checked.lines)
    if firsts == checked.lines:
        return [], keys
    position = dict(zip(lines, range(len(lines)), strict=True))
    errors = [
        validator.columns.duplicate(line, first, rows[position[line]])
        for first, line in zip(firsts, checked.lines, strict=True)
        if first != line
    ]
    for error in errors:
        error.region = validator.region_of(error.values)
    keep = list(map(operator.eq, firsts, checked.lines))
    checked.records = list(compress(checked.records, keep))
    checked.national_ids = list(compress(checked.national_ids, keep))
    checked.lines = list(compress(checked.lines, keep))
    return errors, list(compress(keys, keep))


class _Batch:
    """Validated rows gathered until there are enough to write as one chunk."""

    def __init__(self):
        self.records: list[str] = []
        self.keys: list[int] = []  # of the records' identity numbers
        self.lines: list[int] = []  # of the records, in the same order
        self.ids: list[str] = []  # the records' identity numbers
        self.errors: list[RowError] = []
        self.regions: set[str] = set()
        self.others: dict[str, int] = {}  # rows of other regions, by region
        self.rows = 0
        self.failed = 0

    def add(self, checked: Checked, faults: list[RowError], keys: list[int], rows: int):
        """Add a validated piece, with the faults found beside its validation (duplicates …)."""
        self.records += checked.records
        self.keys += keys
        self.lines += checked.lines
        self.ids += checked.national_ids
        self.errors += checked.errors
        self.errors += faults
        self.regions |= checked.regions
        self.regions.update(fault.region for fault in faults if fault.region)
        self.rows += rows
        self.failed += checked.failed + len(faults)
        add_counts(self.others, checked.others)

    def chunk(self, fraction: float) -> _Chunk:
        # In the order of the identity numbers, PostgreSQL probes and extends the
        # person index page after page rather than all over it. On a file in random
        # order, a million rows: fresh import 19 s → 17.5 s, re-import 7.5 s → 6.5 s.
        records = list(map(self.records.__getitem__, key_order(self.keys)))
        payload = "\n".join(records) + "\n" if records else ""
        return _Chunk(
            payload,
            len(self.records),
            self.errors,
            self.regions,
            _faulty_rows_by_region(self.errors),
            self.others,
            self.rows,
            self.failed,
            fraction,
            self.lines,
            self.ids,
            self.records,
        )


def _faulty_rows_by_region(errors: list[RowError]) -> dict[str, int]:
    """Count the faulty rows that name each region: a row with several faults counts once.

    A row of another region (``OTHER_REGION``) is no faulty row: it is counted apart.
    """
    faulty = {(e.line, e.region) for e in errors if e.code != OTHER_REGION}
    return dict(Counter(region for _line, region in faulty if region))


def added_counts(counts: dict[str, int], field: str = "faulty_rows_by_region") -> RawSQL:
    """Return the run's counts in JSON ``field`` ({key: n}) with ``counts`` added (an SQL
    expression)."""
    return RawSQL(
        "(SELECT coalesce(jsonb_object_agg(k, n), '{}') FROM ("
        "SELECT k, sum(v::bigint) AS n FROM ("
        f"SELECT * FROM jsonb_each_text(coalesce({field}, '{{}}')) "
        "UNION ALL SELECT * FROM jsonb_each_text(%s::jsonb)) AS e (k, v) GROUP BY k) AS s)",
        [json.dumps(counts)],
        output_field=ImportRun._meta.get_field(field),
    )


def merged_regions(codes: list[str]) -> Func:
    """Return the run's regions with ``codes`` added, sorted and each once (an SQL expression)."""
    return Func(
        F("regions"),
        Value(codes),
        template="ARRAY(SELECT DISTINCT r FROM unnest(%(expressions)s) AS r ORDER BY r)",
        arg_joiner=" || ",
        output_field=ImportRun._meta.get_field("regions"),
    )


@dataclass
class _Chunk:
    payload: str  # the good rows in text COPY format
    good: int
    errors: list[RowError]
    regions: set[str]  # the pooling regions its rows name (see ``Checked.regions``)
    faulty_by_region: dict[str, int]  # its faulty rows that name each region
    others: dict[str, int]  # its rows of regions the importer may not write, by region
    rows: int
    failed: int
    fraction: float
    # the good rows' lines, identity numbers and records in file order, to name a row the
    # writer refuses (``ChunkResult.refused``)
    lines: list[int]
    ids: list[str]
    records: list[str]

    def refusals(self, refused, columns) -> list[RowError]:
        """Return the faults of the rows the writer refused, with their lines and values."""
        found = {number: status for number, status in refused}
        faults = []
        for line, number, record in zip(self.lines, self.ids, self.records, strict=True):
            if number in found:
                values = _record_values(record, columns)
                fault = revival_fault(line, columns.title("status"), found[number], values)
                fault.region = record.split("\t")[5]
                faults.append(fault)
        return faults


#: the fields of a COPY record (``records.copy_record``), in order, by the header's names
_RECORD_FIELDS = (
    "national_id",
    "name",
    None,  # sex
    None,  # birth date
    "insurance_type",
    "region",
    "enrolled_on",
    "status",
    "mobile",
    "balance",
)


def _record_values(record: str, columns) -> list[str]:
    """Return a staged record's values in the file's columns, as the import read them."""
    values = [""] * len(columns.header)
    for name, value in zip(_RECORD_FIELDS, record.split("\t"), strict=True):
        if name is not None and name in columns.index:
            values[columns.index[name]] = "" if value == "\\N" else value
    return values


class _Writers:
    """Write chunks, in ``threads`` writer threads (each with its own connection) or inline.

    With threads, PostgreSQL writes earlier chunks while Python validates the
    next one; chunks hold distinct identity numbers, so two writers never
    touch the same person. The queue holds a few chunks, which bounds memory.
    A failure in a writer stops the import at the next chunk and is raised in
    the caller.
    """

    def __init__(self, run: ImportRun, dry_run: bool, progress, threads: int, columns):
        self.run, self.dry_run, self.progress = run, dry_run, progress
        self.columns = columns
        self.fields = fields_set(columns)  # the person fields the file sets
        self.new_first = False  # insert new persons first: most rows of the last chunk were new
        self.regions: set[str] = set(run.regions)  # recorded on the run so far
        self.lock = threading.Lock()
        self.failure: BaseException | None = None
        self.queue: queue.Queue = queue.Queue(maxsize=threads + 1)
        self.threads = [
            threading.Thread(target=self._work, name=f"import-writer-{n}", daemon=True)
            for n in range(threads)
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, chunk: _Chunk) -> None:
        if not self.threads:
            self._write(chunk)
            return
        if self.failure is not None:
            self._stop()
            failure, self.failure = self.failure, None
            raise failure
        self.queue.put(chunk)

    def _work(self):
        try:
            while (chunk := self.queue.get()) is not None:
                if self.failure is None:
                    try:
                        self._write(chunk)
                    except BaseException as error:  # noqa: BLE001 - re-raised in the caller
                        self.failure = error
        finally:
            connection.close()

    def _write(self, chunk: _Chunk) -> None:
        run = self.run
        with transaction.atomic():
            if self.threads:
                # In a writer's own transaction, foreign keys are checked as each
                # statement ends rather than at commit, so the run row below is locked
                # only for the commit itself: two writers would otherwise wait on each
                # other's checks. (Inline, the transaction is the caller's: left alone.)
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            result = ChunkResult(0, 0, 0)
            if chunk.good:
                with transaction.atomic():
                    result = write_chunk(
                        chunk.payload,
                        chunk.good,
                        new_first=self.new_first,
                        run_id=run.pk,
                        fields=self.fields,
                    )
                    # An enrolment the file ends ends its bindings, in the same transaction.
                    bindings_end_for_enrolment(
                        actor=run.user, via=Via.IMPORT, changes=result.enrolment_changes
                    )
                    if self.dry_run:
                        transaction.set_rollback(True)
                # A hint for the next chunk (either order gives the same result).
                self.new_first = result.created * 2 > chunk.good
                if result.refused:  # rows that would take the dead back: faults, not writes
                    refused = chunk.refusals(result.refused, self.columns)
                    chunk.errors = [*chunk.errors, *refused]
                    chunk.failed += len(refused)
                    chunk.faulty_by_region = _faulty_rows_by_region(chunk.errors)
            write_errors(run.pk, chunk.errors)
            with self.lock:
                new_regions = sorted(chunk.regions - self.regions)
                self.regions.update(new_regions)
            if new_regions:
                # Merged in SQL: the other writer may be recording regions of its own.
                ImportRun.objects.filter(pk=run.pk).update(regions=merged_regions(new_regions))
            # Counters are added in SQL, in the chunk's transaction: what the
            # run record says is written is exactly what was committed.
            counted = {}
            if chunk.faulty_by_region:
                counted["faulty_rows_by_region"] = added_counts(chunk.faulty_by_region)
            if chunk.others:
                counted["other_rows_by_region"] = added_counts(chunk.others, "other_rows_by_region")
                counted["other_region_rows"] = F("other_region_rows") + sum(chunk.others.values())
            if result.changes:
                counted["change_summary"] = added_counts(result.changes, "change_summary")
            ImportRun.objects.filter(pk=run.pk).update(
                **counted,
                rows=F("rows") + chunk.rows,
                failed=F("failed") + chunk.failed,
                created=F("created") + result.created,
                updated=F("updated") + result.updated,
                unchanged=F("unchanged") + result.unchanged,
                progress=Greatest(F("progress"), min(int(chunk.fraction * 100), 99)),
                heartbeat_at=Now(),
            )
        with self.lock:
            run.rows += chunk.rows
            run.failed += chunk.failed
            run.created += result.created
            run.updated += result.updated
            run.unchanged += result.unchanged
            run.progress = max(run.progress, min(int(chunk.fraction * 100), 99))
            run.regions = sorted(self.regions)
            counts = run.faulty_rows_by_region
            if counts is not None:
                add_counts(counts, chunk.faulty_by_region)
            run.other_region_rows += sum(chunk.others.values())
            add_counts(run.other_rows_by_region, chunk.others)
            add_counts(run.change_summary, result.changes)
            if self.progress:
                self.progress(run)

    def _stop(self):
        for _thread in self.threads:
            self.queue.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []

    def close(self, abandon: bool = False):
        self._stop()
        if self.failure is not None and not abandon:
            failure, self.failure = self.failure, None
            raise failure
