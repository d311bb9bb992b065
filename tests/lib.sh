# lib.sh: TAP helpers for the black-box tests of the built binary.
# The harness sets PTIME (the binary), FX (the fixture directory) and srcdir.
set -u
: "${PTIME:?PTIME is not set}" "${FX:?FX is not set}"
tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ptime-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

ok() { # ok COND-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		tap_failed=$((tap_failed + 1))
	fi
}

is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | sed 's/^/# /; s/^# #/#/'
	fi
}

skip() { # skip DESCRIPTION REASON
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}

# Run a command and fold its exit status into $rc without tripping set -e.
run() { "$@"; rc=$?; }

# within A B PERCENT: true when A and B differ by at most PERCENT of B.
within() {
	awk -v a="$1" -v b="$2" -v p="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b != 0 && d * 100 <= p * b) }'
}

# validate FILE: every line of FILE is a JSON object that docs/ptime.schema.json accepts.
validate() {
	/usr/bin/python3 - "${srcdir:-.}/docs/ptime.schema.json" "$1" <<'PYEOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema)
lines = open(sys.argv[2]).read().splitlines()
assert lines, "no JSON"
for line in lines:
    errs = list(v.iter_errors(json.loads(line)))
    for e in errs:
        print("# %s: %s" % (list(e.path), e.message))
    if errs:
        sys.exit(1)
PYEOF
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
