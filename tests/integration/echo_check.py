#!/usr/bin/env python3
"""Kernel-side clients for the integration tests (plain sockets only).

  echo_check.py bulk HOST PORT BYTES     one connection: send BYTES of random
                                         data while reading the echo; compare
                                         sha256; print the time taken
  echo_check.py many HOST PORT N         N connections at once, each sends
                                         its own messages; every echo checked
  echo_check.py lines HOST PORT          one connection, a few lines, print replies
"""
import hashlib
import os
import socket
import sys
import threading
import time


def recv_exact(s, n):
    out = bytearray()
    while len(out) < n:
        chunk = s.recv(min(65536, n - len(out)))
        if not chunk:
            raise RuntimeError(f"EOF after {len(out)} of {n} bytes")
        out += chunk
    return bytes(out)


def bulk(host, port, nbytes):
    data = os.urandom(nbytes)
    want = hashlib.sha256(data).hexdigest()
    s = socket.create_connection((host, port), timeout=120)
    got = hashlib.sha256()
    received = 0
    err = []

    def reader():
        nonlocal received
        try:
            while received < nbytes:
                chunk = s.recv(1 << 20)
                if not chunk:
                    break
                got.update(chunk)
                received += len(chunk)
        except Exception as e:  # reported below
            err.append(e)

    t0 = time.monotonic()
    th = threading.Thread(target=reader)
    th.start()
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    th.join()
    # the server's FIN follows the last byte
    tail = s.recv(1)
    elapsed = time.monotonic() - t0
    s.close()
    if err:
        print(f"bulk: reader failed: {err[0]}", file=sys.stderr)
        return 1
    if received != nbytes or got.hexdigest() != want or tail:
        print(f"bulk: MISMATCH received {received} of {nbytes}, sha256 {got.hexdigest()} want {want}",
              file=sys.stderr)
        return 1
    print(f"bulk: {nbytes} bytes echoed byte-exact (sha256 {want[:16]}...) in {elapsed:.2f} s "
          f"({nbytes * 2 / elapsed / 1e6:.1f} MB/s both ways)")
    return 0


def many(host, port, n):
    failures = []
    barrier = threading.Barrier(n)

    def one(i):
        try:
            barrier.wait(timeout=30)
            s = socket.create_connection((host, port), timeout=60)
            for k in range(5):
                msg = (f"client {i} message {k} " + "x" * (i * 37 % 900) + "\n").encode()
                s.sendall(msg)
                if recv_exact(s, len(msg)) != msg:
                    raise RuntimeError(f"client {i}: echo differs")
            s.shutdown(socket.SHUT_WR)
            if s.recv(1) != b"":
                raise RuntimeError(f"client {i}: data after the echo")
            s.close()
        except Exception as e:
            failures.append(f"client {i}: {e!r}")

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        print(f"many: {len(failures)} of {n} clients failed; first: {failures[0]}", file=sys.stderr)
        return 1
    print(f"many: {n} concurrent clients, every echo byte-exact, in {time.monotonic() - t0:.2f} s")
    return 0


def lines(host, port):
    s = socket.create_connection((host, port), timeout=10)
    for msg in (b"python says hi\n", b"second line\n"):
        s.sendall(msg)
        print(recv_exact(s, len(msg)).decode(), end="")
    s.shutdown(socket.SHUT_WR)
    rest = s.recv(1)
    s.close()
    return 0 if rest == b"" else 1


if __name__ == "__main__":
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "bulk":
        sys.exit(bulk(host, port, int(sys.argv[4])))
    if mode == "many":
        sys.exit(many(host, port, int(sys.argv[4])))
    if mode == "lines":
        sys.exit(lines(host, port))
    sys.exit(f"unknown mode {mode}")
