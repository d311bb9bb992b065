#!/bin/sh
# t-hostile.sh: hostile input in the files ptime reads (perf maps, sources, debug files, the command
# itself): whatever it is, ptime finishes in bounded time and memory, says what it could not do, and
# exits with the command's status. Each case runs under timeout, with ptime's peak RSS from /usr/bin/time.
. "${srcdir:-.}/tests/lib.sh"
unset TIME
PY=/usr/bin/python3
RSS_MAX_KB=200000

# hostile NAME SECONDS ARGS...: run ptime with ARGS under timeout and /usr/bin/time; the report goes
# to $TMP/NAME.err, the status to $rc, the peak RSS in KB (ptime's, or its command's if larger) to $rss.
hostile() {
	name=$1 secs=$2
	shift 2
	timeout -k 5 "$secs" /usr/bin/time -o "$TMP/$name.rss" -f %M "$PTIME" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err"
	rc=$?
	rss=$(tail -n 1 "$TMP/$name.rss" 2>/dev/null)
	case $rss in '' | *[!0-9]*) rss=999999999 ;; esac
}

# bounded NAME WANT-STATUS: the run finished with the command's status, within the RSS bound.
bounded() {
	is "$rc" "$2" "$1: finished, with the command's status"
	[ "$rss" -le "$RSS_MAX_KB" ]; ok $? "$1: peak RSS ${rss} KB, at most $RSS_MAX_KB KB"
}

# says NAME REGEX: the report says what ptime could not do.
says() {
	grep -Eq "$2" "$TMP/$1.err"; ok $? "$1: the report says /$2/"
}

if ! [ -x /usr/bin/time ]; then
	echo "1..0 # SKIP /usr/bin/time is not installed"
	exit 0
fi
"$PTIME" -f '' --sample "$FX/fx-exit" 0 2>"$TMP/probe"
if grep -q 'ptime: sampling' "$TMP/probe"; then
	sampling=false
else
	sampling=true
fi
nodw=false
"$PTIME" --version | grep -q 'without libdw' && nodw=true

# --- 1. /tmp/perf-PID.map planted or grown by someone else ---
if $sampling && ! $nodw; then
	hostile fifo 30 -f '' --sample "$FX/fx-hot" jit 300 fifo
	bounded "perf map: a FIFO" 0
	says fifo 'perf-[0-9]+\.map: not read: a FIFO'
	hostile zero 30 -f '' --sample "$FX/fx-hot" jit 300 zero
	bounded "perf map: a link to /dev/zero" 0
	says zero 'perf-[0-9]+\.map: not read: a symbolic link'
	hostile long 30 -f '' --sample "$FX/fx-hot" jit 300 long
	bounded "perf map: a 5000-byte line" 0
	hot=$(grep -E '^ +[0-9.]+% +[0-9.]+% ' "$TMP/long.err" | head -n 1 | awk '{ print $3 }')
	is "$hot" fx_jit_loop "perf map: after an overlong line, the good one names the JIT code"
	! grep -q 'fx_tail' "$TMP/long.err"; ok $? "perf map: the tail of an overlong line is no symbol"
	hostile grow 60 -f '' --sample "$FX/fx-hot" jit 300 grow
	kill "$(cut -d' ' -f2 "$TMP/grow.out")" 2>/dev/null
	bounded "perf map: a file that keeps growing" 0
	says grow 'perf-[0-9]+\.map: read only its first [0-9]+ (entries|MiB)'
	for f in fifo zero long grow; do rm -f "/tmp/perf-$(cut -d' ' -f1 "$TMP/$f.out").map"; done
else
	skip "perf maps" "sampling is not available here, or ptime has no libdw"
fi

# --- 2, 3, 9. --annotate and the source files debug info names ---
if $sampling && ! $nodw; then
	echo 'SECRET-OF-PTIMES-STDIN' >"$TMP/stdin"
	hostile stdin 30 -f '' --annotate "$FX/fx-hostile" stdin 300 <"$TMP/stdin"
	bounded "source /dev/stdin, ptime's stdin a file" 0
	says stdin "source not available: ptime's own standard input"
	! grep -q SECRET "$TMP/stdin.err"; ok $? "source /dev/stdin: ptime's own input is not printed"
	: | { hostile stdinpipe 30 -f '' --annotate "$FX/fx-hostile" stdin 300; }
	bounded "source /dev/stdin, ptime's stdin a pipe" 0
	says stdinpipe 'source not available: a FIFO, not a regular file'
	hostile zero 30 -f '' --annotate "$FX/fx-hostile" zero 300
	bounded "source /dev/zero" 0
	says zero 'source not available: a character device, not a regular file'
	(cd "$TMP" && mkfifo fx-hostile.fifo && hostile fifo 30 -f '' --annotate "$FX/fx-hostile" fifo 300 &&
		echo "$rc $rss" >"$TMP/fifo.rc")
	read -r rc rss <"$TMP/fifo.rc"
	bounded "source a FIFO (#line)" 0
	says fifo 'source not available: a FIFO, not a regular file'
	hostile bigline 30 -f '' --annotate=1000 "$FX/fx-hostile" bigline 300
	bounded "a hot line numbered 2147483600, with 1000 lines of context" 0
	grep -Eq '^ *2147483600 +[0-9,]+ +[0-9.]+%' "$TMP/bigline.err"; ok $? "line 2147483600: the hot line is in the listing"
	if [ "$(id -u)" -eq 0 ] && [ -r /etc/shadow ] && command -v setpriv >/dev/null; then
		mkdir "$TMP/nobody"
		cp "$FX/fx-hostile" "$TMP/nobody/"
		chown -R nobody "$TMP/nobody"
		chmod 711 "$TMP"
		hostile shadow 30 -f '' --annotate setpriv --reuid=nobody --regid=nogroup --clear-groups \
			"$TMP/nobody/fx-hostile" shadow 300
		bounded "root, a program of nobody's whose debug info names /etc/shadow" 0
		says shadow 'File: /etc/shadow'
		says shadow 'source not available: Permission denied for uid [0-9]+, the owner of'
		! grep -q '| root:' "$TMP/shadow.err"; ok $? "/etc/shadow is not printed"
	else
		skip "sources read with the binary owner's permissions" "needs root, a readable /etc/shadow and setpriv"
	fi
	# .gnu_debuglink naming a FIFO
	if command -v objcopy >/dev/null; then
		mkdir "$TMP/dl"
		cp "$FX/fx-hostile" "$TMP/dl/prog"
		(cd "$TMP/dl" && objcopy --only-keep-debug prog prog.debug && objcopy --strip-debug --add-gnu-debuglink=prog.debug prog &&
			rm prog.debug && mkfifo prog.debug)
		hostile debuglink 30 -f '' --sample "$TMP/dl/prog" bigline 300
		bounded "a .gnu_debuglink that names a FIFO" 0
		says debuglink 'prog\.debug: debug file not read: a FIFO, not a regular file'
	else
		skip "a .gnu_debuglink that names a FIFO" "objcopy is not installed"
	fi
else
	skip "--annotate's sources" "sampling is not available here, or ptime has no libdw"
fi

# --- 5. one descriptor per symbolized file: past RLIMIT_NOFILE ---
if $sampling && ! $nodw && [ -e "$FX/libfxhot.so" ]; then
	mkdir "$TMP/libs"
	for i in $(seq 1 60); do cp "$FX/libfxhot.so" "$TMP/libs/libfx$i.so"; done
	(ulimit -Sn 30 && hostile nofile 60 -f '' --sample=5000 "$FX/fx-hot" dlopen 1200 "$TMP"/libs/libfx*.so &&
		echo "$rc $rss" >"$TMP/nofile.rc")
	read -r rc rss <"$TMP/nofile.rc"
	bounded "60 libraries, a soft limit of 30 descriptors" 0
	! grep -q '^ warning:' "$TMP/nofile.err"; ok $? "ptime raised its own limit to the hard one: every library symbolized"
	is "$(ulimit -Sn 30 && "$PTIME" -f '' sh -c 'ulimit -Sn' 2>/dev/null)" 30 "the command gets the user's soft limit"
	(ulimit -n 30 && hostile nofile2 60 -f '' --sample=5000 "$FX/fx-hot" dlopen 1200 "$TMP"/libs/libfx*.so &&
		echo "$rc $rss" >"$TMP/nofile.rc")
	read -r rc rss <"$TMP/nofile.rc"
	bounded "60 libraries, a hard limit of 30 descriptors" 0
	# each file's descriptors are closed once its addresses are resolved: 30 are enough for all of them
	! grep -q 'warning: .*libfx' "$TMP/nofile2.err"; ok $? "a hard limit of 30 descriptors: every library is symbolized all the same"
	! grep -q 'files without symbols or debug info' "$TMP/nofile2.err"; ok $? "out of descriptors is not blamed on the files"
else
	skip "RLIMIT_NOFILE" "sampling is not available here, or ptime has no libdw"
fi

# --- 6. the binary replaced while the command runs (a rebuild) ---
if $sampling && ! $nodw; then
	mkdir "$TMP/rb"
	cp "$FX/fx-hostile" "$TMP/rb/prog"
	cp "$FX/fx-hot" "$TMP/rb/other"
	hostile rebuild 30 -f '' --sample sh -c "'$TMP/rb/prog' bigline 700 & sleep 0.3; cp '$TMP/rb/other' '$TMP/rb/new'; mv '$TMP/rb/new' '$TMP/rb/prog'; wait"
	bounded "the binary replaced while it runs" 0
	says rebuild 'rb/prog: not the file that was mapped \(replaced while the command ran'
	hot=$(grep -E '^ +[0-9.]+% +[0-9.]+% ' "$TMP/rebuild.err" | head -n 1 | awk '{ print $3 }')
	case $hot in prog+0x*) ok 0 "the replaced binary's samples are offsets ($hot)" ;;
		*) ok 1 "the replaced binary's samples are offsets, not another file's functions ($hot)" ;; esac
else
	skip "a replaced binary" "sampling is not available here, or ptime has no libdw"
fi

# --- 7. a set-user-ID command: the kernel stops counting and sampling at its exec ---
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTIME" -f '' true 2>/dev/null; then
	mkdir "$TMP/suid"
	cp "$FX/fx-hot" "$TMP/suid/prog"
	chmod 4755 "$TMP/suid/prog"
	chmod 711 "$TMP"
	chown nobody "$TMP/suid"
	timeout -k 5 30 setpriv --reuid=nobody --regid=nogroup --clear-groups \
		"$PTIME" -e task-clock,page-faults --sample -o "$TMP/suid/report" "$TMP/suid/prog" main 300
	rc=$?
	is "$rc" 0 "set-user-ID command: finished, with the command's status"
	grep -q 'Performance counters (none: the kernel stops counting at the exec of the command, as' "$TMP/suid/report"
	ok $? "set-user-ID command: the counter block says the kernel stopped counting"
	grep -Eq '<not counted> +task-clock' "$TMP/suid/report"; ok $? "set-user-ID command: no task-clock printed as the command's"
	grep -q 'Profile: not sampled: the kernel stops sampling at a privileged exec (.*prog is set-user-ID (uid 0))' "$TMP/suid/report"
	ok $? "set-user-ID command: the profile says why it has no samples"
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTIME" -j -o "$TMP/suid/json" "$TMP/suid/prog" main 100
	"$PY" -c 'import json,sys; u=json.load(open(sys.argv[1]))["unavailable"]; print("set-user-ID" in u.get("cpus_utilized", ""))' \
		"$TMP/suid/json" >"$TMP/suid.py" 2>&1
	is "$(cat "$TMP/suid.py")" True "set-user-ID command: JSON's unavailable section says so"
else
	skip "a set-user-ID command" "needs root, setpriv, and ptime runnable by nobody"
fi

# --- 8. modifiers: page-faults:u, page-faults:k and page-faults are three counters ---
"$PTIME" -e page-faults:u,page-faults:k,page-faults -f '%{page-faults:u} %{page-faults:k} %{page-faults}' \
	-o "$TMP/pf" "$FX/fx-exit" 0
read -r pfu pfk pfall _ <"$TMP/pf"
if [ "$(id -u)" -eq 0 ] && [ -n "$pfk" ] && [ "$pfk" -eq "$pfk" ] 2>/dev/null; then
	d=$((pfu + pfk - pfall))
	[ "$pfk" -ne "$pfall" ] && [ "$pfu" -ne "$pfall" ] && [ "${d#-}" -le 5 ]
	ok $? "%{page-faults:u} + %{page-faults:k} = %{page-faults} (give or take 5), all three distinct: $pfu + $pfk ~ $pfall"
	"$PTIME" -e page-faults:u,page-faults:k,page-faults -o "$TMP/pf.txt" "$FX/fx-exit" 0
	labels=$(grep -Eo 'page-faults(:[uk])?' "$TMP/pf.txt" | tr '\n' ' ')
	if command -v perf >/dev/null && perf stat -x, -e page-faults:u,page-faults:k,page-faults -o "$TMP/perf.csv" "$FX/fx-exit" 0 2>/dev/null; then
		is "$labels" "$(grep -Eo 'page-faults(:[uk])?' "$TMP/perf.csv" | tr '\n' ' ')" "the counter block labels them as perf stat does"
	else
		is "$labels" "page-faults:u page-faults:k page-faults " "the counter block labels them page-faults:u, page-faults:k, page-faults"
	fi
	if "$PTIME" -j -e page-faults:u,page-faults:k,page-faults -o "$TMP/pf.json" "$FX/fx-exit" 0 2>/dev/null; then
		is "$("$PY" -c 'import json,sys; print(" ".join(str(e.get("modifier")) for e in json.load(open(sys.argv[1]))["counters"]["events"]))' "$TMP/pf.json")" \
			"u k None" "JSON: each counter carries its modifier"
		if "$PY" -c 'import jsonschema' 2>/dev/null; then
			validate "$TMP/pf.json"; ok $? "JSON with modifiers validates against the schema"
		else
			skip "JSON with modifiers validates" "python3-jsonschema is not installed"
		fi
	fi
else
	skip "page-faults:k" "kernel counting needs root here"
fi

# --- 9. messages ---
for bad in "::no event in the list ''" ",,,::no event in the list ',,,'" "cycles,,instructions::empty event name in the list" \
	"cycles:u:k::more than one ':' in 'cycles:u:k' (modifiers go together: cycles:uk)"; do
	ev=${bad%%::*} want=${bad#*::}
	"$PTIME" -e "$ev" touch "$TMP/ran" 2>"$TMP/bad"; rc=$?
	is "$rc" 125 "-e '$ev': exit 125"
	grep -qF "$want" "$TMP/bad"; ok $? "-e '$ev': $(head -n 1 "$TMP/bad")"
	[ ! -e "$TMP/ran" ]; ok $? "-e '$ev': the command did not run"
done

# --- 9. a setcap'd ptime and the user's own capabilities ---
caps() { # caps PTIME: the command's CapInh CapPrm CapAmb, run by nobody holding cap_net_bind_service ambient
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
		"$1" -f '' sh -c 'for k in CapInh CapPrm CapAmb; do grep "^$k:" /proc/self/status | cut -f2; done | tr "\n" " "' 2>/dev/null
}
if [ "$(id -u)" -eq 0 ] && command -v setcap >/dev/null && command -v setpriv >/dev/null &&
	setpriv --reuid=nobody --regid=nogroup --clear-groups "$PTIME" -f '' true 2>/dev/null; then
	is "$(caps "$PTIME")" "0000000000000400 0000000000000400 0000000000000400 " "plain ptime: the user's ambient capability reaches the command"
	mkdir "$TMP/cap"
	cp "$PTIME" "$TMP/cap/ptime"
	chmod 711 "$TMP" "$TMP/cap"
	if setcap cap_perfmon+ep "$TMP/cap/ptime" 2>/dev/null; then
		is "$(caps "$TMP/cap/ptime")" "0000000000000400 0000000000000000 0000000000000000 " \
			"setcap ptime: the user's inheritable set is kept, nothing permitted; the kernel cleared the ambient set (documented)"
	else
		skip "setcap ptime and capabilities" "setcap failed here"
	fi
else
	skip "capabilities passed to the command" "needs root, setcap, setpriv, and ptime runnable by nobody"
fi

# --- 4. DEBUGINFOD_URLS: no network look-up unless --debuginfod ---
# silent PORTFILE SEENFILE: a server on loopback that accepts and never answers; each connection is a line.
silent() {
	"$PY" - "$1" "$2" <<'PYEOF' &
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(16)
open(sys.argv[1] + ".tmp", "w").write(str(s.getsockname()[1]))
import os; os.rename(sys.argv[1] + ".tmp", sys.argv[1])
s.settimeout(60)
held = []
try:
    while True:
        c, _ = s.accept()
        held.append(c)
        open(sys.argv[2], "a").write("connection\n")
except socket.timeout:
    pass
PYEOF
	server=$!
	for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$1" ] && break; sleep 0.2; done
}
if $sampling && ! $nodw; then
	silent "$TMP/port" "$TMP/seen"
	url="http://127.0.0.1:$(cat "$TMP/port")"
	DEBUGINFOD_URLS=$url hostile dinfod 30 -f '' --sample sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; echo "$DEBUGINFOD_URLS"'
	bounded "DEBUGINFOD_URLS set, a server that never answers" 0
	[ ! -e "$TMP/seen" ]; ok $? "without --debuginfod no build-id is sent"
	is "$(cat "$TMP/dinfod.out")" "$url" "the command still gets DEBUGINFOD_URLS"
	if "$PTIME" --debuginfod -f '' true 2>/dev/null; then
		DEBUGINFOD_URLS=$url DEBUGINFOD_TIMEOUT=2 hostile dinfod2 60 --debuginfod -f '' --sample sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'
		is "$rc" 0 "--debuginfod: the command's status, after the server's timeout"
		[ -s "$TMP/seen" ]; ok $? "--debuginfod asks the server"
	else
		skip "--debuginfod asks the server" "this build does not parse --debuginfod"
	fi
	kill "$server" 2>/dev/null
	wait "$server" 2>/dev/null
else
	skip "DEBUGINFOD_URLS" "sampling is not available here, or ptime has no libdw"
fi

done_testing
