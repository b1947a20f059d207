#!/usr/bin/env python3
"""A one-thread epoll echo server on the kernel's TCP, the baseline for
bench/conns.py:  python3 bench/kernel_echo.py PORT  (prints "listening on")."""
import resource
import select
import socket
import sys

hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", int(sys.argv[1])))
ls.listen(4096)
ls.setblocking(False)
ep = select.epoll()
ep.register(ls.fileno(), select.EPOLLIN)
conns = {}
print("listening on 0.0.0.0:" + sys.argv[1], flush=True)
while True:
    for fd, _ in ep.poll():
        if fd == ls.fileno():
            while True:
                try:
                    c, _ = ls.accept()
                except BlockingIOError:
                    break
                c.setblocking(False)
                conns[c.fileno()] = c
                ep.register(c.fileno(), select.EPOLLIN)
            continue
        c = conns[fd]
        try:
            b = c.recv(65536)
        except (BlockingIOError, ConnectionError):
            b = None if sys.exc_info()[0] is BlockingIOError else b""
        if b is None:
            continue
        if not b:
            ep.unregister(fd)
            del conns[fd]
            c.close()
            continue
        c.setblocking(True)  # the baseline is not about back-pressure
        c.sendall(b)
        c.setblocking(False)
