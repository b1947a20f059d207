#!/usr/bin/env bash
# HTTP/1.1 static files (./server --http, app/http) to curl and wget: in raw
# mode on the namespace's lo, in packet mode on a veth and in tap mode, with
# the kernel as the client. A 2 MB random file byte-exact, HEAD without a body, 404,
# three requests on one kept-alive connection, traversal refused, POST 405,
# If-Modified-Since 304.
source "$(dirname "$0")/common.bash" curl wget nc sha256sum
source "$(dirname "$0")/lab.bash"

WWW=$TMP/www
mkdir -p "$WWW/sub"
head -c 2097152 /dev/urandom >"$WWW/big.bin"
echo hello >"$WWW/hello.txt"
echo '<h1>ustack</h1>' >"$WWW/index.html"
echo 'p{}' >"$WWW/sub/a.css"
ln -s /etc/passwd "$WWW/passwd-link"  # a symlink out of the root
want=$(sha256sum <"$WWW/big.bin")

# code RUN... ARGS: curl's status code for a request (RUN: in_ns or in_k).
code() { rm -f "$TMP/body"; "$@" -s -o "$TMP/body" -w '%{http_code}' --max-time 10; }

# checks NAME HOST PORT LOG RUN...: every check against the server at
# HOST:PORT, curl, wget and nc run through RUN; LOG is the server's stderr.
checks() {
    local name=$1 host=$2 port=$3 log=$4; shift 4
    local base=http://$host:$port
    local run=("$@")
    "${run[@]}" curl -sS --fail --max-time 30 -o "$TMP/big.got" "$base/big.bin" || fail "$name: curl of big.bin failed"
    [ "$(sha256sum <"$TMP/big.got")" = "$want" ] || fail "$name: big.bin arrived different ($(stat -c %s "$TMP/big.got") bytes)"
    echo "$name: 2 MB file byte-exact (sha256)"

    "${run[@]}" curl -sS -I --max-time 10 "$base/big.bin" >"$TMP/head.txt" || fail "$name: curl -I failed"
    grep -q "^HTTP/1.1 200 OK" "$TMP/head.txt" || fail "$name: HEAD: $(cat "$TMP/head.txt")"
    grep -qi "^Content-Length: 2097152" "$TMP/head.txt" || fail "$name: HEAD has no Content-Length: $(cat "$TMP/head.txt")"
    # The bytes on the wire: exactly the head, then the server's close (1.0).
    printf 'HEAD /big.bin HTTP/1.0\r\n\r\n' | "${run[@]}" timeout 10 nc -N "$host" "$port" >"$TMP/head.raw" 2>/dev/null
    local hbytes
    hbytes=$(wc -c <"$TMP/head.raw")
    [ "$hbytes" -gt 0 ] && [ "$hbytes" -lt 400 ] || fail "$name: HEAD answer is $hbytes bytes"
    [ "$(tail -c 4 "$TMP/head.raw" | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ] || fail "$name: HEAD carried a body"
    echo "$name: HEAD: Content-Length 2097152, $hbytes bytes of head and no body"

    [ "$(code "${run[@]}" curl "$base/nope.txt")" = 404 ] || fail "$name: a missing file was not 404"
    [ "$(code "${run[@]}" curl -d x=1 "$base/hello.txt")" = 405 ] || fail "$name: POST was not 405"
    "${run[@]}" curl -s -D - -o /dev/null -d x=1 --max-time 10 "$base/hello.txt" | grep -qi "^Allow: GET, HEAD" ||
        fail "$name: 405 without Allow"
    echo "$name: missing file 404, POST 405 with Allow"
    # curl -z FILE: If-Modified-Since the file's own mtime (RFC 9110 13.1.3).
    [ "$(code "${run[@]}" curl -z "$WWW/hello.txt" "$base/hello.txt")" = 304 ] || fail "$name: If-Modified-Since was not 304"
    [ ! -s "$TMP/body" ] || fail "$name: the 304 carried a body"
    echo "$name: If-Modified-Since of the file's own time: 304, no body"
    # "connection from" is a debug line: the servers run with --log-level debug

    local before after
    before=$(grep -c "http: connection from" "$log")
    "${run[@]}" curl -sv --max-time 10 -o /dev/null -o /dev/null -o /dev/null \
        "$base/hello.txt" "$base/" "$base/sub/" 2>"$TMP/keep.err" || fail "$name: three requests failed"
    after=$(grep -c "http: connection from" "$log")
    [ "$(grep -c "Re-using existing connection" "$TMP/keep.err")" = 2 ] || fail "$name: curl did not reuse the connection"
    [ $((after - before)) = 1 ] || fail "$name: three requests took $((after - before)) connections"
    echo "$name: three requests on one connection (curl re-used it; the server accepted one)"

    local t
    for t in /../../etc/passwd /%2e%2e/%2e%2e/etc/passwd /sub/%2e%2e%2f%2e%2e%2fetc%2fpasswd; do
        [ "$(code "${run[@]}" curl --path-as-is "$base$t")" = 400 ] || fail "$name: $t was not refused with 400"
        grep -q "root:" "$TMP/body" && fail "$name: $t served /etc/passwd"
    done
    [ "$(code "${run[@]}" curl "$base/passwd-link")" = 404 ] || fail "$name: a symlink out of the root was served"
    grep -q "root:" "$TMP/body" && fail "$name: the symlink served /etc/passwd"
    echo "$name: ../, %2e%2e, %2f and a symlink out of the root refused"

    "${run[@]}" wget -q -T 10 -O "$TMP/wget.txt" "$base/hello.txt" || fail "$name: wget failed"
    [ "$(cat "$TMP/wget.txt")" = hello ] || fail "$name: wget got $(cat "$TMP/wget.txt")"
    "${run[@]}" curl -sS --max-time 10 "$base/sub/" | grep -q 'href="a.css"' || fail "$name: no listing of sub/"
    echo "$name: wget fetched a file; sub/ listed"
}

# A root that cannot be served: one line, exit 2, before anything opens.
for bad in "$TMP/none" "$WWW/hello.txt"; do
    out=$(./server --http 8082 --http-root "$bad" 2>&1)
    rc=$?
    [ $rc = 2 ] || fail "--http-root $bad: exit $rc, expected 2"
    [ "$(printf '%s\n' "$out" | wc -l)" = 1 ] && [[ $out == "server: --http-root "* ]] ||
        fail "--http-root $bad: not one line: $out"
    echo "bad root: $out"
done

# Raw mode: the kernel owns lo's address, our stack the port.
start_server srv --http 8081 --http-root "$WWW" --log-level debug
checks raw 127.0.0.1 8081 "$TMP/srv.err" in_ns
stop_server "$SERVER_PID" INT || fail "server exit status $? after SIGINT"
assert_no_tables "after the raw-mode HTTP checks"

# Packet mode: the stack is a whole host on the veth; the kernel fetches.
lab_up --net 10.42.0
start_in "$SNS" psrv ./server --link packet --ifname "$SIF" --addr 10.42.0.2/24 --http 80 --http-root "$WWW" --stats --log-level debug
checks packet 10.42.0.2 80 "$TMP/psrv.err" in_k
stop_server "$BG_PID" INT || fail "packet-mode server exited with $?"
grep -q "malformed 0" "$TMP/psrv.err" || fail "the packet-mode server saw malformed packets"

# Tap mode: the stack makes a TAP in the kernel's namespace and answers on it.
start_in "$KNS" tsrv ./server --link tap --ifname "$LAB-t" --tap-host-addr 10.43.0.1/24 \
    --addr 10.43.0.2/24 --http 80 --http-root "$WWW" --log-level debug
checks tap 10.43.0.2 80 "$TMP/tsrv.err" in_k
stop_server "$BG_PID" INT || fail "tap-mode server exited with $?"
echo "http: ok"
