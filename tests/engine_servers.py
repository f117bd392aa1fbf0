"""Local servers of the other engines, for the tests and benchmarks/engines.py: a PostgreSQL 15
server initialised into a temporary folder, and the Spark Thrift Server the PyPI ``pyspark``
wheel ships. Both listen on 127.0.0.1 only, on a free port, and are stopped on exit; nothing is
downloaded. CI's image has the binaries; elsewhere ``missing()`` says what is absent."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
THRIFT_SERVER = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def postgres_bin() -> Path | None:
    """The newest PostgreSQL server binaries on the machine (Debian's layout), else None."""
    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name))
    return Path(found[-1]) if found and (Path(found[-1]) / "initdb").exists() else None


def spark_home() -> Path | None:
    """The installed pyspark package folder: SPARK_HOME for its own spark-submit."""
    try:
        import pyspark
    except ImportError:
        return None
    return Path(pyspark.__file__).parent


def missing(engine: str) -> str | None:
    """Why a local server of ``engine`` cannot start here (None: it can)."""
    if engine == "postgres" and postgres_bin() is None:
        return f"no PostgreSQL server binaries under {PG_BIN_GLOB}"
    if engine == "spark" and (spark_home() is None or shutil.which("java") is None):
        return "pyspark (the engines extra) or a Java runtime is missing"
    return None


def _as_server_user(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: CI's containers run as root, so the server runs as the
    image's `postgres` account there."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def postgres_server():
    """A throw-away PostgreSQL server with a database ``relance`` (trust auth on 127.0.0.1);
    yields the profile's environment (RELANCE_PG_*)."""
    binaries, port = postgres_bin(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="relance-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data = folder / "data"
    run = [str(binaries / "pg_ctl"), "-D", str(data), "-w"]
    subprocess.run(
        _as_server_user([str(binaries / "initdb"), "-D", str(data), "-U", "relance", "--auth=trust", "-E", "UTF8",
                         "--locale=C"]),
        check=True, capture_output=True,
    )  # fmt: skip
    options = f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off -c full_page_writes=off"
    subprocess.run(_as_server_user([*run, "-o", options, "-l", str(folder / "log"), "start"]), check=True,
                   capture_output=True)  # fmt: skip
    try:
        subprocess.run(
            _as_server_user([str(binaries / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "relance",
                             "relance"]),
            check=True, capture_output=True,
        )  # fmt: skip
        yield {"RELANCE_PG_HOST": "127.0.0.1", "RELANCE_PG_PORT": str(port), "RELANCE_PG_USER": "relance",
               "RELANCE_PG_PASSWORD": "", "RELANCE_PG_DATABASE": "relance"}  # fmt: skip
    finally:
        subprocess.run(_as_server_user([*run, "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def spark_thrift_server(timeout: float = 180.0):
    """Spark's Thrift Server in local mode (2 cores), its metastore and warehouse in a temporary
    folder; yields the profile's environment (RELANCE_SPARK_*) once the port accepts connections."""
    home, port = spark_home(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="relance-spark-"))
    conf = {
        "spark.sql.warehouse.dir": str(folder / "warehouse"),
        "spark.ui.enabled": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
        "spark.driver.memory": "1g",
        "spark.sql.ansi.enabled": "false",
    }
    command = [str(home / "bin" / "spark-submit"), "--master", "local[2]", "--class", THRIFT_SERVER]
    command += [a for key, value in conf.items() for a in ("--conf", f"{key}={value}")]
    command += ["--driver-java-options", f"-Dderby.system.home={folder}", "spark-internal"]
    command += [
        "--hiveconf",
        "hive.server2.thrift.bind.host=127.0.0.1",
        "--hiveconf",
        f"hive.server2.thrift.port={port}",
    ]
    log = open(folder / "server.log", "wb")  # noqa: SIM115 (closed below, after the server stops)
    process = subprocess.Popen(command, cwd=folder, stdout=log, stderr=subprocess.STDOUT,
                               env={**os.environ, "SPARK_HOME": str(home)}, start_new_session=True)  # fmt: skip
    try:
        _wait_for_port(port, process, timeout, folder / "server.log")
        yield {"RELANCE_SPARK_HOST": "127.0.0.1", "RELANCE_SPARK_PORT": str(port)}
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # its shutdown hooks often take a minute; its folder goes anyway
            os.killpg(process.pid, 9)
            process.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Spark Thrift Server exited: {log.read_text()[-3000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(1)
    raise TimeoutError(f"the Spark Thrift Server did not listen within {timeout:.0f} s")
