"""The rows of an inspect/unpack report are put away as they are made (a
bundle of 100,000 articles is reported on without holding its rows), sealed
on disk, and read back exactly, statuses corrected after the import included."""

import json
import os
from pathlib import Path

from mirror.bundle.report import ArticleReport, Report, Rows
from mirror.cli.output import json_object

TITLES = ["Журналисты расследуют дело", "يحقق الصحفيون في قضية", "记者调查港口关闭案", "  },\n]", None]


def _row(i: int) -> ArticleReport:
    return ArticleReport(f"{i:016x}", f"https://n.example/{i}", TITLES[i % len(TITLES)],
                         None if i % 3 else "2026-11-01", "2026-11-02T10:00:00Z", 1000 + i, i % 4,
                         ("new", "new version", "present")[i % 3])


def _open_files_in(d: Path) -> list[bytes]:
    """What this process's open files inside `d` hold on disk."""
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(d)):
            out.append(Path(f"/proc/self/fd/{fd}").read_bytes())
    return out


def test_rows_read_back_exactly_across_many_blocks(tmp_path):
    rows = Rows(tmp_path)
    want = [_row(i) for i in range(3000)]  # well past one 64 KiB block
    assert [rows.add(r) for r in want] == list(range(3000))
    for i in range(0, 3000, 7):
        rows.set_status(i, "present")
        want[i].status = "present"
    assert len(rows) == 3000 and rows.status(7) == "present"
    assert list(rows) == want
    assert list(rows) == want  # any number of times
    rows.close()


def test_rows_are_sealed_on_disk_and_leave_no_name(tmp_path):
    rows = Rows(tmp_path)
    for i in range(2000):
        rows.add(_row(i))
    list(rows)  # everything written out
    on_disk = _open_files_in(tmp_path)
    assert len(on_disk) == 1 and len(on_disk[0]) > 100_000
    for title in TITLES[:3]:
        assert title.encode() not in on_disk[0]
    assert b"n.example" not in on_disk[0]
    assert os.listdir(tmp_path) == []  # unnamed: nothing to find, nothing left after a crash
    rows.close()
    assert _open_files_in(tmp_path) == []


def test_report_json_streams_the_same_document(tmp_path):
    with Report("unsigned", None, False, 1234, Rows(tmp_path), imported=2, skipped=1,
                warnings=["warning: x"]) as rep:
        for i in range(5):
            rep.articles.add(_row(i))
        text = "\n".join(json_object(rep.head_json(), "articles", (a.to_json() for a in rep.articles)))
        assert json.loads(text) == rep.to_json()
        assert rep.to_json()["articles"][3]["title"] == "  },\n]"
    empty = Report("unsigned", None, False, 0, Rows(tmp_path))
    assert json.loads("\n".join(json_object(empty.head_json(), "articles", []))) == empty.to_json()
    assert empty.to_json()["articles"] == []
