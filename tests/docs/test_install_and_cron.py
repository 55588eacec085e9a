"""docs/install.md and the cron recipe of docs/scheduled-scans.md, run as written against the lab.

A wheel is built from the checkout; the install block runs as root in a private mount namespace whose
/etc, /opt, /var and /usr/local are overlays (the machine itself is not changed: the user, the venv and
the directories exist only in the overlays); then the cron line runs with `sh`, as the `camaudit` user,
with cron's bare environment, against lab cameras, and writes its log and report.

The tests run offline (inside a network namespace), so pip cannot fetch camaudit's dependencies: the
wheel is installed for real (`PIP_NO_DEPS=1`) and the dependencies are lent from the test's own
environment by one .pth line in the new venv. Everything else is the recipe as written.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

from lab import DEMO_FLEET, load_fleet, run_fleet
from tests.docs.markdown import block_with
from tests.support.access import readable_by

ROOT = Path(__file__).resolve().parents[2]

LAB_PASSWORD = "demo-pass"  # the lab's auditor password
TYPED_PACKAGES = ("probes", "profiles", "reports", "scanner")  # mypy --strict in dev/test
TARGETS = "127.0.10.0/28"  # five of the demo cameras (127.0.10.11-15)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv")
                       or not Path("/usr/bin/python3").exists(),
                       reason="needs root, unshare, setpriv and Debian's /usr/bin/python3"),
]

def _overlays_work(tmp_path: Path) -> bool:
    """Whether this kernel and container let a private mount namespace put an overlay over a directory."""
    probe = tmp_path / "probe"
    for name in ("lower", "upper", "work", "merged"):
        (probe / name).mkdir(parents=True)
    done = subprocess.run(["unshare", "--mount", "--propagation", "private", "mount", "-t", "overlay", "overlay",
                           "-o", f"lowerdir={probe}/lower,upperdir={probe}/upper,workdir={probe}/work",
                           str(probe / "merged")], capture_output=True, timeout=30, check=False)
    return done.returncode == 0

def _wheel(tmp_path: Path) -> Path:
    dist = tmp_path / "work" / "dist"
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                            "-w", str(dist), str(ROOT)], capture_output=True, text=True, timeout=600, check=False)
    assert built.returncode == 0, built.stderr
    # the project's own metadata raises no warning (the license is an SPDX expression)
    assert "BuildBackendWarning" not in built.stderr and "deprecated" not in built.stderr.lower(), built.stderr
    wheels = list(dist.glob("camaudit-*.whl"))
    import tomllib

    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert [w.name for w in wheels] == [f"camaudit-{version}-py3-none-any.whl"]
    with zipfile.ZipFile(wheels[0]) as wheel:  # PEP 561: the typed packages say so to their importers' mypy
        assert {f"{package}/py.typed" for package in TYPED_PACKAGES} <= set(wheel.namelist())
    return wheels[0]

def _site_packages() -> str:
    import sysconfig

    return sysconfig.get_paths()["purelib"]

def _cron_job() -> tuple[dict[str, str], str]:
    """The crontab's variables and the job's command, as cron hands it to /bin/sh."""
    env: dict[str, str] = {}
    command = None
    for line in block_with("docs/scheduled-scans.md", "watch --once", "cron").text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split(None, 5)
        if "=" in fields[0] and len(fields) == 1:
            name, value = line.split("=", 1)
            env[name.strip()] = value.strip()
        else:
            assert command is None, "one job expected"
            command = fields[5]
    assert command is not None
    assert "%" not in command.replace("\\%", "")  # cron would turn a bare % into a newline
    return env, command.replace("\\%", "%")

def _script(work: Path, out: Path) -> str:
    install = block_with("docs/install.md", "python3 -m venv /opt/camaudit", "sh").text
    steps = [line for line in install.splitlines() if line.strip() and not line.startswith("apt-get ")]
    secrets = block_with("docs/install.md", "CAMAUDIT_PASSWORD=", "sh").text
    secrets = "\n".join(line if not line.startswith("CAMAUDIT_PASSWORD=") else f"CAMAUDIT_PASSWORD={LAB_PASSWORD}"
                        for line in secrets.splitlines())
    cron_env, command = _cron_job()
    env = {"HOME": "/var/lib/camaudit", "LOGNAME": "camaudit", "SHELL": "/bin/sh", "PATH": "/usr/bin:/bin",
           **cron_env}
    overlays = "\n".join(
        f"mkdir -p {out}/ov/{d}/u {out}/ov/{d}/w && mount -t overlay overlay "
        f"-o lowerdir=/{d},upperdir={out}/ov/{d}/u,workdir={out}/ov/{d}/w /{d}"
        for d in ("etc", "opt", "var", "usr/local"))
    return textwrap.dedent("""\
        set -eu
        {overlays}
        export PATH=/usr/sbin:/usr/bin:/sbin:/bin
        cd {work}
        # docs/install.md, as written (python3-venv is already installed); offline: no dependency downloads
        export PIP_NO_DEPS=1 PIP_NO_INDEX=1
        {steps}
        unset PIP_NO_DEPS PIP_NO_INDEX
        for sp in /opt/camaudit/lib/python3*/site-packages; do echo {deps} > "$sp/zz-test-dependencies.pth"; done
        cat > /etc/camaudit/secrets.env <<'SECRETS'
        {secrets}
        SECRETS
        CAMAUDIT_PASSWORD={password} /opt/camaudit/bin/camaudit init --targets {targets} --user auditor \\
            --password-env CAMAUDIT_PASSWORD --out /etc/camaudit/site.yaml --no-color
        chgrp camaudit /etc/camaudit/site.yaml && chmod 0640 /etc/camaudit/site.yaml
        cp /etc/camaudit/site.yaml {out}/site.yaml
        stat -c '%U:%G %a %n' /etc/camaudit /etc/camaudit/secrets.env /var/lib/camaudit > {out}/modes.txt
        # the cron job: /bin/sh, the camaudit user, cron's bare environment plus the crontab's variables
        rc=0
        setpriv --reuid=camaudit --regid=camaudit --init-groups env -i {env} /bin/sh -c {command} || rc=$?
        echo $rc > {out}/cron.rc
        cp /var/log/camaudit/scan.log {out}/scan.log
        ls -ln /var/lib/camaudit/reports > {out}/reports.txt
        stat -c '%U' /var/lib/camaudit/reports/*.json > {out}/report-owner.txt
        /usr/local/bin/camaudit --version > {out}/version.txt
        """).format(overlays=overlays, work=work, steps="\n".join(steps), secrets=secrets, password=LAB_PASSWORD,
                    targets=TARGETS, out=out, command=shlex.quote(command), deps=shlex.quote(_site_packages()),
                    env=" ".join(shlex.quote(f"{k}={v}") for k, v in env.items()))

async def test_install_then_cron_line_scans_the_lab(tmp_path: Path) -> None:
    if not _overlays_work(tmp_path):
        pytest.skip("overlay mounts are not allowed here (needed to install without changing the machine)")
    if not readable_by(_site_packages()):  # the cron job's user imports the test's dependencies from there
        pytest.skip(f"an unprivileged user cannot read {_site_packages()} (a directory above it is private)")
    _wheel(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    script = tmp_path / "run.sh"
    script.write_text(_script(tmp_path / "work", out), encoding="utf-8")
    async with run_fleet(load_fleet(DEMO_FLEET)):
        proc = await asyncio.create_subprocess_exec(
            "unshare", "--mount", "--propagation", "private", "sh", str(script),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env={"PATH": "/usr/bin:/bin"})
        stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout=900)
    err = stderr.decode(errors="replace")
    assert proc.returncode == 0, err[-3000:]
    assert (out / "version.txt").read_text().startswith("camaudit ")
    assert (out / "modes.txt").read_text().splitlines() == [
        "root:camaudit 750 /etc/camaudit", "root:camaudit 640 /etc/camaudit/secrets.env",
        "camaudit:camaudit 700 /var/lib/camaudit"]
    log = (out / "scan.log").read_text()
    rc = int((out / "cron.rc").read_text())
    assert "CAMAUDIT_PASSWORD is not set" not in log and "not set" not in log, log
    assert rc in (2, 4) and "draft: " in log, log  # the starter site is an unreviewed draft: never a clean result
    import yaml

    declared = yaml.safe_load((out / "site.yaml").read_text())["cameras"]
    assert declared and "credentials" in yaml.safe_load((out / "site.yaml").read_text())  # init --user
    assert f" complete devices={len(declared)} " in log and f"exit={rc}" in log, log
    assert "camaudit" in (out / "report-owner.txt").read_text()
    assert ".json" in (out / "reports.txt").read_text()
