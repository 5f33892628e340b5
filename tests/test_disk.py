"""A recording that cannot be written never fails its run (issue 18: "Disk", "Two kernels, one folder").

The proof is in real kernels started under a file size limit (``RLIMIT_FSIZE``: Python ignores
SIGXFSZ, so a write past the limit fails with EFBIG, as a full disk fails with ENOSPC): the run
completes with every line, the cell says once why its recording stopped, and what was written
loads back as an unfinished run. Tests run as root, who ignores permission bits, so "read-only"
is a limit smaller than a recording's first line in a kernel; a real read-only file system
(EROFS) and a full disk (ENOSPC) are faults injected into the recorder's writes, in process.
"""

from __future__ import annotations

import asyncio
import errno
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.profiledir import ProfileDir

import cc_jupyter
from cc_jupyter.errors import Unreadable
from cc_jupyter.recordings import recorder as recorder_module
from cc_jupyter.recordings.library import Library
from cc_jupyter.recordings.reader import UNFINISHED, load_run

from .conftest import API_KEY, GITHUB_TOKEN, cell, line
from .kernel import Kernel, Reply

LIMIT = 256 * 1024  # bytes a kernel's files may grow to: a flood of 20,000 lines records about 1.5 MB
FLOOD = 20_000
FULL_CELL = f"%%cloudcode -r https://github.com/octo/disk -o full\nFill the disk\nsim: flood={FLOOD}\n"
NOTICE = "could not be"  # in both notices: "could not be written", "could not be recorded in"


def kernel_in(simulator, tmp_path: Path, record_dir: Path, *, limit: int | None = None, **env: str) -> Kernel:
    """A kernel recording into ``record_dir``, its IPython files in ``tmp_path`` made beforehand
    and its history kept in memory: under a limit, IPython could write neither."""
    (tmp_path / "ipython").mkdir(parents=True, exist_ok=True)
    profile = ProfileDir.create_profile_dir_by_name(str(tmp_path / "ipython"), "default")
    Path(profile.location, "ipython_kernel_config.py").write_text("c.HistoryManager.hist_file = ':memory:'\n")
    k = Kernel({"CLOUDCODE_API_URL": simulator.url, "CLOUDCODE_API_KEY": API_KEY, "GITHUB_TOKEN": GITHUB_TOKEN,
                "CLOUDCODE_RECORD_DIR": str(record_dir), "IPYTHONDIR": str(tmp_path / "ipython"), **env},
               file_size_limit=limit)
    assert k.execute("%load_ext cc_jupyter").status == "ok"
    return k


def notices(reply: Reply) -> list[str]:
    return [line for line in reply.stdout.splitlines() if NOTICE in line]


def assert_quiet(reply: Reply) -> None:
    """The cell succeeded, and nothing in it looks like a traceback."""
    assert reply.status == "ok" and reply.error is None, reply.traceback
    assert "Traceback" not in reply.stdout + reply.stderr and "Error" not in reply.stderr


def flood_lines(k: Kernel, name: str) -> list[int]:
    """The numbers of the flood lines the Run ``name`` holds, in order."""
    numbers: list[int] = k.value(f"[int(l.split()[2]) for l in {name}.stdout.splitlines() if ' of {FLOOD}' in l]")
    return numbers


def invocations(simulator, since: int) -> int:
    return sum(1 for record in simulator.request_log()[since:] if record["path"] == "/invoke/stdout")


# ----- in real kernels -----
def test_a_file_size_limit_mid_run_keeps_the_run_whole_and_says_so_once(simulator, tmp_path):
    record_dir = tmp_path / "runs"
    k = kernel_in(simulator, tmp_path, record_dir, limit=LIMIT)
    try:
        reply = k.execute(FULL_CELL)
        assert_quiet(reply)
        (notice,) = notices(reply)
        assert notice.startswith("cloudcode: the recording ") and "(file too large)" in notice
        assert "goes on without it" in notice and "what was written until then stays" in notice
        assert k.value("full.status") == "completed" and k.value("full.error") is None
        assert flood_lines(k, "full") == list(range(FLOOD))  # every line, in order
        kept = k.value("full.stdout")
        assert k.execute("print('next cell')").stdout == "next cell\n"  # no second notice later
    finally:
        k.shutdown()
    (path,) = record_dir.glob("*.jsonl")
    short_id = path.stem[-8:]  # what %cloudcode history and show call it
    assert path.name in notice and path.stat().st_size == LIMIT  # written up to the limit, not a byte more
    back = load_run(path)
    assert back.status == "disconnected" and back.error is not None and back.error.message == UNFINISHED
    assert back.stdout and kept.startswith(back.stdout)  # what was written is the start of the run

    # Another kernel (no limit) lists it, shows it, and replays it as the unfinished run it is.
    before = len(simulator.request_log())
    reader = kernel_in(simulator, tmp_path, record_dir, CLOUDCODE_REPLAY="auto")
    try:
        history = reader.execute("%cloudcode history")
        assert_quiet(history)
        row = next(line for line in history.stdout.splitlines() if line.startswith(short_id))
        assert "unfinished" in row
        shown = reader.execute(f"%cloudcode show {short_id}")
        assert_quiet(shown)
        assert "recording ends before the run did" in shown.data("text/plain")[-1]
        replay = reader.execute(FULL_CELL)
        assert replay.status == "error" and replay.error is not None
        assert replay.error["ename"] == "RunFailedError" and "recording ends before the run did" in replay.error["evalue"]
        assert reader.value("full.status") == "disconnected" and reader.value("full.stdout") == back.stdout
        assert invocations(simulator, before) == 0
    finally:
        reader.shutdown()


def test_not_even_the_header_fits_the_run_goes_on_without_a_recording(simulator, tmp_path):
    """A limit below the header's size: the folder and the file can be made, the header cannot
    be written (the nearest to a read-only disk a test run as root can make; a limit of 0 bytes
    leaves the kernel no temporary directory at all). The cut file is removed."""
    record_dir = tmp_path / "runs"
    k = kernel_in(simulator, tmp_path, record_dir, limit=128)
    try:
        reply = k.execute("%%cloudcode -r https://github.com/octo/disk -o nothing --text\nNo room at all\nsim: lines=50 interval=0\n")
        assert_quiet(reply)
        (notice,) = notices(reply)
        assert f"could not be recorded in {record_dir} (file too large): it goes on without a recording." in notice
        assert k.value("nothing.status") == "completed" and k.value("nothing.recording") is None
        assert k.value("len(nothing.tasks['main'].stdout.splitlines())") >= 50
    finally:
        k.shutdown()
    assert list(record_dir.iterdir()) == []


def test_a_cloudcode_that_is_a_file_keeps_no_run_from_starting(simulator, tmp_path):
    in_the_way = tmp_path / ".cloudcode"
    in_the_way.write_text("not a folder\n")
    k = kernel_in(simulator, tmp_path, in_the_way / "runs")
    try:
        reply = k.execute("%%cloudcode -r https://github.com/octo/disk -o blocked --text\nStart anyway\nsim: lines=20 interval=0\n")
        assert_quiet(reply)
        (notice,) = notices(reply)
        assert f"({in_the_way} is a file, not a folder): it goes on without a recording." in notice
        assert k.value("blocked.status") == "completed" and k.value("len(blocked.tasks['main'].stdout.splitlines())") >= 20
        listing = k.execute("%cloudcode history")
        assert_quiet(listing)
        assert "completed" in listing.stdout
    finally:
        k.shutdown()
    assert in_the_way.read_text() == "not a folder\n"  # left as it was


def test_two_kernels_recording_in_one_folder_at_once(simulator, tmp_path):
    """Both runs stream at the same time (each held at a gate until both are), into one folder:
    two intact recordings, both listed by a third kernel, both replayed there without the API."""
    record_dir = tmp_path / "shared"
    cells = {  # the third kernel asks the same, gate and all: only then does a recording answer it
        name: f"%%cloudcode -r https://github.com/octo/two-{name} -o {name}\nKernel {name} writes\n"
              f"sim: hold=two-kernels-{name} flood=3000\n"
        for name in ("a", "b")
    }
    kernels = {name: kernel_in(simulator, tmp_path / name, record_dir) for name in cells}
    outputs: dict[str, str] = {}
    try:
        for name, k in kernels.items():
            assert_quiet(k.execute(cells[name].replace("-o ", "--no-wait -o ")))
        for name in cells:
            simulator.wait_held(f"two-kernels-{name}", 30)  # both streams are open, both headers written
        for name in cells:
            simulator.release(f"two-kernels-{name}")
        for name, k in kernels.items():
            assert_quiet(k.execute("%cloudcode wait"))
            assert k.value(f"{name}.status") == "completed"
            outputs[name] = k.value(f"{name}.stdout")
    finally:
        for name in cells:
            simulator.release(f"two-kernels-{name}")
        for k in kernels.values():
            k.shutdown()
    recordings = sorted(record_dir.glob("*.jsonl"))
    assert len(recordings) == 2
    loaded = {load_run(path).info.repo.rsplit("-", 1)[-1]: load_run(path) for path in recordings}
    assert {name: run.status for name, run in loaded.items()} == {"a": "completed", "b": "completed"}
    assert {name: run.stdout for name, run in loaded.items()} == outputs

    before = len(simulator.request_log())
    third = kernel_in(simulator, tmp_path / "c", record_dir, CLOUDCODE_REPLAY="auto")
    try:
        history = third.execute("%cloudcode history").stdout
        for path in recordings:
            assert path.stem[-8:] in history
        assert history.count("completed") >= 2
        for name, cell in cells.items():
            assert_quiet(third.execute(cell.replace("-o ", "--text -o ")))
            assert third.value(f"{name}.stdout") == outputs[name]
        assert invocations(simulator, before) == 0
    finally:
        third.shutdown()


# ----- in process -----
def test_a_background_run_says_it_once_when_it_is_waited_for(shell, simulator, tmp_path, capsys):
    """``--no-wait``: the notice comes with ``%cloudcode wait`` (the record folder is a file here)."""
    (tmp_path / "recordings").write_text("")  # the shell fixture records there
    cell(shell, "--no-wait --text -o r_bg", "In the background\nsim: hold=disk-background lines=5 interval=0")
    simulator.wait_held("disk-background", 10)
    simulator.release("disk-background")
    line(shell, "wait")
    line(shell, "wait")
    said = [text for text in capsys.readouterr().out.splitlines() if NOTICE in text]
    assert said == [f"cloudcode: the run could not be recorded in {tmp_path / 'recordings'} "
                    f"({tmp_path / 'recordings'} is a file, not a folder): it goes on without a recording."]
    assert shell.user_ns["r_bg"].status == "completed"


# faults injected into the recorder's writes
class Disk:
    """A disk that takes ``room`` bytes, then fails every write with ``code`` (counting the tries)."""

    def __init__(self, room: int, code: int) -> None:
        self.room, self.code, self.tries_after_full = room, code, 0

    def write(self, fd: int, data: memoryview) -> int:
        if self.room <= 0:
            self.tries_after_full += 1
            raise OSError(self.code, os.strerror(self.code))
        taken = os.write(fd, data[: self.room])
        self.room -= taken
        return taken


@pytest.mark.parametrize(("code", "words"), [(errno.ENOSPC, "no space left on device"),
                                             (errno.EROFS, "read-only file system"),
                                             (errno.EDQUOT, "disk quota exceeded")])
def test_a_disk_that_fills_mid_run_warns_once_in_the_python_api(creds, tmp_path, monkeypatch, code, words):
    disk = Disk(4000, code)
    monkeypatch.setattr(recorder_module, "_write", disk.write)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        run = cc_jupyter.invoke("Fill it\nsim: lines=300 interval=0", record=tmp_path, **creds)
    assert run.status == "completed" and run.error is None
    assert len(run.tasks["main"].stdout.splitlines()) >= 300
    (warning,) = [w for w in caught if "cloudcode:" in str(w.message)]
    assert warning.category is RuntimeWarning and f"({words})" in str(warning.message)
    assert run.recording is not None and run.recording.name in str(warning.message)
    assert disk.tries_after_full == 1  # the first failure ends the recording: nothing is tried again
    assert run.recording.stat().st_size == 4000
    back = load_run(run.recording)
    assert back.status == "disconnected" and run.stdout.startswith(back.stdout)


def test_a_disk_full_before_the_header_leaves_no_file(creds, tmp_path, monkeypatch):
    monkeypatch.setattr(recorder_module, "_write", Disk(100, errno.ENOSPC).write)  # the header is longer
    with pytest.warns(RuntimeWarning, match=r"could not be recorded in .* \(no space left on device\)"):
        run = cc_jupyter.invoke("x", record=tmp_path, **creds)
    assert run.status == "completed" and run.recording is None and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("waiting", ["invoke", "ainvoke"])
def test_a_folder_that_cannot_be_made_is_named_with_what_is_in_the_way(creds, tmp_path, waiting):
    (tmp_path / ".cloudcode").write_text("")
    record = tmp_path / ".cloudcode" / "runs"
    with pytest.warns(RuntimeWarning, match=r"\(.*\.cloudcode is a file, not a folder\)") as said:
        if waiting == "invoke":
            run = cc_jupyter.invoke("x", record=record, **creds)
        else:
            run = asyncio.run(cc_jupyter.ainvoke("x", record=record, **creds))
    assert len([w for w in said if "cloudcode:" in str(w.message)]) == 1
    assert run.status == "completed" and run.recording is None


# ----- a recording cut at any byte -----
@pytest.fixture(scope="module")
def recording(tmp_path_factory, simulator) -> bytes:
    """A small recording whose header and events hold multi-byte characters."""
    folder = tmp_path_factory.mktemp("whole")
    run = cc_jupyter.invoke("Résumé: 日本語 — ünïcödé ✓\nsim: lines=3 interval=0", record=folder,
                            repo="https://github.com/octo/disk", api_url=simulator.url, api_key=API_KEY,
                            github_token=GITHUB_TOKEN, changes=False)
    assert run.recording is not None
    raw = run.recording.read_bytes()
    assert any(b > 0x7F for b in raw[: raw.index(b"\n")]) and any(b > 0x7F for b in raw[raw.index(b"\n"):])
    return raw


def cuts(raw: bytes) -> Iterator[int]:
    """Every byte of the header line and around every multi-byte character; every 97th elsewhere."""
    header_end = raw.index(b"\n") + 2
    for n in range(len(raw)):
        if n < header_end or raw[n] > 0x7F or raw[max(0, n - 1)] > 0x7F or n % 97 == 0:
            yield n


def test_a_recording_cut_at_any_byte_loads_as_unfinished_or_is_skipped_by_name(recording, tmp_path):
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "whole.jsonl").write_bytes(recording)
    whole = load_run(folder / "whole.jsonl")
    (folder / "whole.jsonl").unlink()
    header_end = recording.index(b"\n")
    problems: list[str] = []
    checked = 0
    for n in cuts(recording):
        path = folder / f"cut-{n}.jsonl"
        path.write_bytes(recording[:n])
        problems.clear()
        entries = Library(folder, on_problem=problems.append).entries()
        if n < header_end:  # no whole header: skipped, and named once
            (problem,) = problems
            assert entries == [] and problem.startswith(path.name) and problem.endswith("it was skipped.")
            assert ("is empty" if n == 0 else "its first line is cut short") in problem
            with pytest.raises(Unreadable, match=path.name):
                load_run(path)
        else:
            (entry,) = entries
            run = load_run(path)
            assert problems == [] and whole.stdout.startswith(run.stdout)
            if Library(folder).end(entry) is None:
                assert run.status == "disconnected" and run.error is not None and run.error.message == UNFINISHED
            else:
                assert run.status == whole.status and run.stdout == whole.stdout
        path.unlink()
        checked += 1
    assert checked > 500
