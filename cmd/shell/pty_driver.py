"""Drives a program through a real pseudo-terminal for the console tests (console_test.ts).

Usage: python3 pty_driver.py  (reads a JSON object on stdin, writes a JSON result on stdout)
  {"argv": [...], "env": {...}, "cwd": "...", "columns": 120,
   "steps": [{"send": "text"}, {"expect": "regex", "timeout": 20}, {"sleep": 0.5},
             {"send": "text", "until": "regex", "every": 2, "timeout": 60}]}
Result: {"ok": bool, "failed_step": int|null, "status": int|null, "transcript": "..."}
Each "expect" searches the output received since the previous match. A "send" with "until" sends
again every "every" seconds until the regex matches (for input whose effect depends on when it
arrives, such as Ctrl-C for a query that may not have started yet).
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import sys
import termios
import time


def main():
    spec = json.load(sys.stdin)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(spec.get("cwd", "."))
        os.execvpe(spec["argv"][0], spec["argv"], spec.get("env", dict(os.environ)))
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, spec.get("columns", 120), 0, 0))
    transcript = b""
    cursor = 0
    failed = None

    def read_some(timeout):
        nonlocal transcript
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return False
        try:
            data = os.read(fd, 65536)
        except OSError:
            return None
        if not data:
            return None
        transcript += data
        return True

    for index, step in enumerate(spec["steps"]):
        if "send" in step and "until" in step:
            pattern = re.compile(step["until"].encode(), re.S)
            deadline = time.time() + step.get("timeout", 20)
            while True:
                os.write(fd, step["send"].encode())
                resend = min(deadline, time.time() + step.get("every", 2))
                match = pattern.search(transcript, cursor)
                while not match and time.time() < resend:
                    if read_some(max(0.0, resend - time.time())) is None:
                        break
                    match = pattern.search(transcript, cursor)
                if match:
                    cursor = match.end()
                    break
                if time.time() >= deadline:
                    failed = index
                    break
            if failed is not None:
                break
        elif "send" in step:
            os.write(fd, step["send"].encode())
        elif "sleep" in step:
            end = time.time() + step["sleep"]
            while time.time() < end:
                if read_some(max(0.0, end - time.time())) is None:
                    break
        elif "expect" in step:
            pattern = re.compile(step["expect"].encode(), re.S)
            deadline = time.time() + step.get("timeout", 20)
            while True:
                match = pattern.search(transcript, cursor)
                if match:
                    cursor = match.end()
                    break
                remaining = deadline - time.time()
                if remaining <= 0 or read_some(remaining) is None:
                    failed = index
                    break
            if failed is not None:
                break
    status = None
    deadline = time.time() + spec.get("exit_timeout", 20)
    while time.time() < deadline:
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            status = os.waitstatus_to_exitcode(code)
            break
        read_some(0.1)
    if status is None:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    while read_some(0) is True:
        pass
    json.dump({"ok": failed is None, "failed_step": failed, "status": status,
               "transcript": transcript.decode("utf-8", "replace")}, sys.stdout)


main()
